#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""The API status of a server, from its ``vm_state`` and ``task_state``.

The map is Nova's (``nova/api/openstack/common.py``): a server's
``status`` is looked up by ``vm_state`` and then by ``task_state``, with a
``default`` per ``vm_state``. The reverse direction turns ``?status=`` list
filters into ``vm_state``/``task_state`` filters.
"""

import logging

LOG = logging.getLogger(__name__)

# vm_state values (nova/compute/vm_states.py)
ACTIVE = 'active'
BUILDING = 'building'
PAUSED = 'paused'
SUSPENDED = 'suspended'
STOPPED = 'stopped'
RESCUED = 'rescued'
RESIZED = 'resized'
SOFT_DELETED = 'soft-delete'
DELETED = 'deleted'
ERROR = 'error'
SHELVED = 'shelved'
SHELVED_OFFLOADED = 'shelved_offloaded'

_REBUILD = {
    'rebuilding': 'REBUILD',
    'rebuild_block_device_mapping': 'REBUILD',
    'rebuild_spawning': 'REBUILD',
}
_RESIZE = {
    'resize_prep': 'RESIZE',
    'resize_migrating': 'RESIZE',
    'resize_migrated': 'RESIZE',
    'resize_finish': 'RESIZE',
}

STATE_MAP = {
    ACTIVE: dict(
        {'default': 'ACTIVE',
         'rebooting': 'REBOOT',
         'reboot_pending': 'REBOOT',
         'reboot_started': 'REBOOT',
         'rebooting_hard': 'HARD_REBOOT',
         'reboot_pending_hard': 'HARD_REBOOT',
         'reboot_started_hard': 'HARD_REBOOT',
         'updating_password': 'PASSWORD',
         'migrating': 'MIGRATING'},
        **_REBUILD, **_RESIZE),
    BUILDING: {'default': 'BUILD'},
    STOPPED: dict({'default': 'SHUTOFF'}, **_RESIZE, **_REBUILD),
    # NOTE: as in Nova, RESIZED + resize_confirming stays VERIFY_RESIZE
    # (the API has no CONFIRMING_RESIZE status).
    RESIZED: {'default': 'VERIFY_RESIZE',
              'resize_reverting': 'REVERT_RESIZE'},
    PAUSED: {'default': 'PAUSED', 'migrating': 'MIGRATING'},
    SUSPENDED: {'default': 'SUSPENDED'},
    RESCUED: {'default': 'RESCUE'},
    ERROR: dict({'default': 'ERROR'}, **_REBUILD),
    DELETED: {'default': 'DELETED'},
    SOFT_DELETED: {'default': 'SOFT_DELETED'},
    SHELVED: {'default': 'SHELVED'},
    SHELVED_OFFLOADED: {'default': 'SHELVED_OFFLOADED'},
}

_UNKNOWN = {'default': 'UNKNOWN'}


def status_from_state(vm_state, task_state=None):
    """The API ``status`` of a live server."""
    task_map = STATE_MAP.get(vm_state, _UNKNOWN)
    status = task_map.get(task_state, task_map['default'])
    if status == 'UNKNOWN':
        LOG.error('status is UNKNOWN from vm_state=%(vm_state)s '
                  'task_state=%(task_state)s. Bad upgrade or db corrupted?',
                  {'vm_state': vm_state, 'task_state': task_state})
    return status


def server_status(instance):
    """The API ``status`` of an instance row (``DELETED`` once deleted)."""
    # NOTE: a deleted row is DELETED whatever its vm_state, as in Nova.
    if instance['deleted']:
        return 'DELETED'
    return status_from_state(instance['vm_state'], instance['task_state'])


def task_and_vm_state_from_status(statuses):
    """The sorted ``vm_state`` and ``task_state`` lists for ``statuses``.

    ``task_state`` may contain ``'default'``: the status is the default of
    a vm_state, so no task_state filter applies.
    """
    vm_states = set()
    task_states = set()
    wanted = {status.lower() for status in statuses}
    for vm_state, task_map in STATE_MAP.items():
        for task_state, status in task_map.items():
            if status.lower() in wanted:
                vm_states.add(vm_state)
                task_states.add(task_state)
    return sorted(vm_states), sorted(task_states)
