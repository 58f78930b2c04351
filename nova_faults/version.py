"""The package version, from pbr's metadata."""

import pbr.version

version_info = pbr.version.VersionInfo('nova-faults')
version_string = version_info.version_string
