"""Sphinx configuration of the nova-faults release notes."""

extensions = ['openstackdocstheme', 'reno.sphinxext']
openstackdocs_repo_name = 'openstack/nova-faults'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False
project = 'nova-faults Release Notes'
copyright = '2026, nova-faults developers'
master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = []
pygments_style = 'native'
html_theme = 'openstackdocs'
html_static_path = ['_static']
