# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License.
"""Sphinx configuration of the nova-faults documentation."""

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'oslo_policy.sphinxext',
    'oslo_policy.sphinxpolicygen',
]

config_generator_config_file = (
    '../../etc/nova_faults/nova_faults-config-generator.conf')
sample_config_basename = '_static/nova_faults'
policy_generator_config_file = (
    '../../etc/nova_faults/nova_faults-policy-generator.conf')
sample_policy_basename = '_static/nova_faults'

openstackdocs_repo_name = 'openstack/nova-faults'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False
project = 'nova-faults'
copyright = '2026, nova-faults developers'

master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = []
pygments_style = 'native'
html_theme = 'openstackdocs'
html_static_path = ['_static']
