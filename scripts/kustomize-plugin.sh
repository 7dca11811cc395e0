#!/usr/bin/env bash
# Makes eksfit a legacy kustomize exec plugin, the only kind of plugin
# `kubectl kustomize` runs: links
#   <plugin home>/eksfit.dev/v1alpha1/eksfitpolicy/EksFitPolicy -> eksfit
# Usage: scripts/kustomize-plugin.sh [PLUGIN_HOME] [EKSFIT]
#   PLUGIN_HOME  default: $KUSTOMIZE_PLUGIN_HOME, else $XDG_CONFIG_HOME/kustomize/plugin,
#                else ~/.config/kustomize/plugin (where kustomize looks)
#   EKSFIT       default: this repository's bin/eksfit
# Then: kubectl kustomize --enable-alpha-plugins DIR   (with KUSTOMIZE_PLUGIN_HOME
# exported if you chose a home of your own).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
home=${1:-${KUSTOMIZE_PLUGIN_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/kustomize/plugin}}
target=${2:-$here/bin/eksfit}
[ -x "$target" ] || { echo "kustomize-plugin: $target is not an executable" >&2; exit 1; }
case $target in /*) ;; *) target=$PWD/$target ;; esac
dir=$home/eksfit.dev/v1alpha1/eksfitpolicy
mkdir -p "$dir"
ln -sfn "$target" "$dir/EksFitPolicy"
echo "kustomize-plugin: $dir/EksFitPolicy -> $target" >&2
