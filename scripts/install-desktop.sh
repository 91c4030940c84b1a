#!/usr/bin/env bash
# Register Checkpoint Explorer with the desktop for the current user (no root needed): the
# menu entry, the TensorFlow checkpoint file types, the icon, and the explorer as their default
# application. Run it again at any time. --uninstall removes what it installed, except the
# default for folders it may have pinned to the file manager already in use.
#
# usage: scripts/install-desktop.sh [--uninstall]
#
# Files go under ${XDG_DATA_HOME:-~/.local/share}; defaults go to
# ${XDG_CONFIG_HOME:-~/.config}/mimeapps.list (through xdg-mime).
set -euo pipefail

APP_ID=checkpoint-explorer
DESKTOP_FILE="$APP_ID.desktop"
MIME_TYPES=(
    application/x-tensorflow-checkpoint
    application/x-tensorflow-checkpoint-state
    application/x-tensorflow-saved-model
)
ICON_SIZES=(16 32 48 64 128 256)

say() { printf 'install-desktop: %s\n' "$*"; }
fail() { printf 'install-desktop: %s\n' "$*" >&2; exit 2; }
have() { command -v "$1" >/dev/null 2>&1; }

mode=install
case "${1:-}" in
    "") ;;
    --uninstall) mode=uninstall ;;
    -h | --help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) fail "unknown argument '$1'; usage: $0 [--uninstall]" ;;
esac
[ $# -le 1 ] || fail "too many arguments; usage: $0 [--uninstall]"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# In a checkout the files are in resources/desktop; an installed wheel puts them beside this script.
if [ -f "$here/../resources/desktop/$DESKTOP_FILE" ]; then
    resources=$(cd "$here/../resources/desktop" && pwd)
else
    resources=$here
fi

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
applications="$data_home/applications"
mime_packages="$data_home/mime/packages"
hicolor="$data_home/icons/hicolor"
installed_desktop="$applications/$DESKTOP_FILE"
installed_mime="$mime_packages/$APP_ID.xml"

xdg_mime() { XDG_DATA_HOME="$data_home" XDG_CONFIG_HOME="$config_home" xdg-mime "$@"; }

icon_paths() {
    for size in "${ICON_SIZES[@]}"; do
        printf '%s\n' "${size}x${size}/apps/$APP_ID.png"
    done
    printf '%s\n' "scalable/apps/$APP_ID.svg"
}

# The explorer launcher: this checkout's venv, the bin/ of the prefix a wheel was installed in,
# or whatever `explorer` is on PATH.
find_launcher() {
    local candidate
    for candidate in "$here/../.venv/bin/explorer" "$here/../../../bin/explorer"; do
        if [ -x "$candidate" ] && [ -f "$candidate" ]; then
            printf '%s/%s\n' "$(cd "$(dirname "$candidate")" && pwd)" explorer
            return
        fi
    done
    # On PATH the name is common enough to check that it is ours.
    if candidate=$(command -v explorer) && [[ "$candidate" == /* ]] &&
        [[ "$("$candidate" --version 2>/dev/null)" == "explorer "* ]]; then
        printf '%s\n' "$candidate"
        return
    fi
    fail "no explorer launcher found: run scripts/setup.sh first, or install the package so that \`explorer\` is on PATH."
}

# The launcher as the first word of an Exec line: quoted when it holds anything but plain
# path characters, with the escapes the Desktop Entry spec asks for inside quotes and in strings.
exec_word() {
    local path=$1
    case "$path" in
        *[!A-Za-z0-9/._+-]*)
            path=${path//\\/\\\\}
            path=${path//\"/\\\"}
            path=${path//\`/\\\`}
            path=${path//\$/\\\$}
            path=${path//%/%%}
            path="\"$path\""
            path=${path//\\/\\\\}
            ;;
    esac
    printf '%s\n' "$path"
}

# refresh_with TOOL PACKAGE WHAT-IS-MISSED DIRECTORY [OPTION...]: run TOOL on DIRECTORY if both exist.
refresh_with() {
    local tool=$1 package=$2 missed=$3 directory=$4
    shift 4
    [ -d "$directory" ] || return 0
    if have "$tool"; then
        "$tool" "$@" "$directory"
        say "ran $tool on $directory"
    else
        say "note: $tool not found (package $package); $missed."
    fi
}

refresh() {
    refresh_with update-mime-database shared-mime-info \
        "file managers will not know the checkpoint types" "$data_home/mime"
    refresh_with update-desktop-database desktop-file-utils \
        "\"Open With\" may not list the explorer until the next login" "$applications" -q
    refresh_with gtk-update-icon-cache gtk-update-icon-cache \
        "the icon appears once the desktop rescans its icons" "$hicolor" -q -f -t
}

directory_handler() { if have xdg-mime; then xdg_mime query default inode/directory || true; fi; }

install() {
    local launcher directories_before directories_now
    launcher=$(find_launcher)
    say "explorer launcher: $launcher"
    directories_before=$(directory_handler)

    mkdir -p "$applications" "$mime_packages"
    local exec_line try_exec
    exec_line="Exec=$(exec_word "$launcher") %F"
    try_exec="TryExec=${launcher//\\/\\\\}"
    # Replace the launcher lines. Through ENVIRON, as awk -v would undo the backslash escapes.
    EXEC_LINE=$exec_line TRY_EXEC=$try_exec awk '
        /^Exec=/ { print ENVIRON["EXEC_LINE"]; next }
        /^TryExec=/ { print ENVIRON["TRY_EXEC"]; next }
        /^# scripts\/install-desktop.sh/ { next }
        { print }
    ' "$resources/$DESKTOP_FILE" >"$installed_desktop.tmp"
    chmod 644 "$installed_desktop.tmp"
    mv -f "$installed_desktop.tmp" "$installed_desktop"
    say "wrote $installed_desktop"

    cp -f "$resources/checkpoint-explorer-mime.xml" "$installed_mime"
    say "wrote $installed_mime"

    local icon
    while IFS= read -r icon; do
        mkdir -p "$(dirname "$hicolor/$icon")"
        cp -f "$resources/icons/hicolor/$icon" "$hicolor/$icon"
    done < <(icon_paths)
    say "wrote the icons under $hicolor"

    refresh

    if ! have xdg-mime; then
        say "note: xdg-mime not found (package xdg-utils); the explorer is offered under \"Open With\" but is not the default."
    else
        xdg_mime default "$DESKTOP_FILE" "${MIME_TYPES[@]}"
        say "made the explorer the default application for ${MIME_TYPES[*]} in $config_home/mimeapps.list"
        # Without an explicit default for folders, desktops fall back to the first application
        # listing inode/directory, and the user's own entries come first: keep the file manager.
        # The pin stays after --uninstall; it names only the handler that was in use before.
        directories_now=$(directory_handler)
        if [ "$directories_now" = "$DESKTOP_FILE" ] && [ -n "$directories_before" ] &&
            [ "$directories_before" != "$DESKTOP_FILE" ]; then
            xdg_mime default "$directories_before" inode/directory
            say "kept $directories_before as the default application for directories"
        fi
    fi
    say "done: double-click a checkpoint's .index file, or open a directory with \"Open With > Checkpoint Explorer\"."
}

# Drop our default-application lines from mimeapps.list, and only those still naming us.
forget_defaults() {
    local list="$config_home/mimeapps.list"
    [ -f "$list" ] || return 0
    local types
    types=$(printf '%s\n' "${MIME_TYPES[@]}")
    awk -v types="$types" -v app="$DESKTOP_FILE" '
        BEGIN { n = split(types, list, "\n"); for (i = 1; i <= n; i++) ours[list[i] "=" app] = 1 }
        /^\[/ { section = $0 }
        section == "[Default Applications]" && ($0 in ours || substr($0, 1, length($0) - 1) in ours) {
            next
        }
        { print }
    ' "$list" >"$list.tmp"
    if cmp -s "$list" "$list.tmp"; then
        rm -f "$list.tmp"
    else
        mv -f "$list.tmp" "$list"
        say "removed the explorer's defaults from $list"
    fi
}

uninstall() {
    rm -f "$installed_desktop" "$installed_mime"
    local icon
    while IFS= read -r icon; do
        rm -f "$hicolor/$icon"
        # Prune the size directories this script made, if nothing else lives there.
        rmdir "$(dirname "$hicolor/$icon")" "$(dirname "$(dirname "$hicolor/$icon")")" 2>/dev/null || true
    done < <(icon_paths)
    # An icon cache left alone in an otherwise empty hicolor directory was ours too.
    if [ -d "$hicolor" ] && [ -z "$(find "$hicolor" -mindepth 1 ! -name icon-theme.cache -print -quit)" ]; then
        rm -f "$hicolor/icon-theme.cache"
        rmdir "$hicolor" "$data_home/icons" 2>/dev/null || true
    fi
    say "removed the desktop entry, the file types and the icons"
    forget_defaults
    refresh
    say "done: Checkpoint Explorer is no longer registered for this user."
}

"$mode"
