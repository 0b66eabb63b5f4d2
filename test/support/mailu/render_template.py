"""Render one Mailu Jinja template the way Mailu's start-up scripts do (socrate.conf.jinja with the
process environment). Run through bootstrap.py: python3 bootstrap.py spec.json, argv = [source, dest]
(container paths). For templates whose own start-up script is not vendored (Roundcube's config)."""
import os
import sys

from socrate import conf

conf.jinja(sys.argv[1], os.environ, sys.argv[2])
