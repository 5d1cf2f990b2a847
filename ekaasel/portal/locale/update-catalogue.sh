#!/bin/sh
# Refresh the portal's message catalogues (portal code and templates, and the site-wide templates in
# ekaasel/templates) and compile them. Run from anywhere: sh ekaasel/portal/locale/update-catalogue.sh
# makemessages only writes where the files live, so a scratch directory of links gathers the sources
# under this locale directory; LOCALE_PATHS is emptied so nothing lands in the project's locale/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ln -s "$here" "$scratch/locale"
ln -s "$root/ekaasel/portal" "$scratch/portal"
ln -s "$root/ekaasel/templates" "$scratch/templates"
printf 'from config.settings.test import *  # noqa\nLOCALE_PATHS = []\n' > "$scratch/catalogue_settings.py"
cd "$scratch"
PYTHONPATH="$scratch:$root" DJANGO_SETTINGS_MODULE=catalogue_settings "$root/.venv/bin/django-admin" makemessages \
  --symlinks --ignore=locale --ignore=static --ignore=migrations --no-obsolete -l dz
for po in "$here"/*/LC_MESSAGES/django.po; do
  msgfmt --check-format -o "${po%.po}.mo" "$po"
done
