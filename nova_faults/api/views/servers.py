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

"""The server representation, as Nova renders it, from plain rows.

Pure functions: they take instance rows (mappings with the ``instances``
columns plus the ``info_cache``, ``flavor`` and ``trusted_certs`` JSON
texts), the related data loaded in batches by the handler, the negotiated
microversion and what the caller may see, and return dicts. They import
neither the database nor the policy engine.

``security_groups`` (detail and show) comes from Neutron through the
handler; it is omitted when the server has no group, as in Nova, and when
the groups are unknown (Neutron not configured or failing).
``OS-EXT-AZ:availability_zone`` is handed in too, computed from host
aggregates by Nova's rules.
"""

import hashlib
from urllib import parse as urlparse

from nova_faults.api import server_states
from nova_faults.api.views import common
from nova_faults import exception
from nova_faults import network_info

COLLECTION = 'servers'

PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                     'VERIFY_RESIZE', 'MIGRATING')
FAULT_STATUSES = ('ERROR', 'DELETED')

# NOTE: Nova's default instance_name_template.
INSTANCE_NAME_TEMPLATE = 'instance-%08x'

# Image properties shown at 2.98: system_metadata keys "image_<name>" where
# <name> is a field of Nova's ImageMetaProps or one of its legacy names.
IMAGE_PROPERTY_NAMES = frozenset((
    'hw_architecture', 'hw_emulation_architecture', 'hw_auto_disk_config',
    'hw_boot_menu', 'hw_cdrom_bus', 'hw_cpu_cores', 'hw_cpu_sockets',
    'hw_cpu_max_cores', 'hw_cpu_max_sockets', 'hw_cpu_max_threads',
    'hw_cpu_policy', 'hw_cpu_thread_policy', 'hw_cpu_realtime_mask',
    'hw_cpu_threads', 'hw_device_id', 'hw_disk_bus', 'hw_disk_type',
    'hw_floppy_bus', 'hw_firmware_type', 'hw_firmware_stateless',
    'hw_input_bus', 'hw_ipxe_boot', 'hw_locked_memory', 'hw_machine_type',
    'hw_mem_encryption', 'hw_mem_encryption_model', 'hw_mem_page_size',
    'hw_numa_nodes', 'hw_numa_cpus', 'hw_numa_mem',
    'hw_pci_numa_affinity_policy', 'hw_pointer_model', 'hw_pmu',
    'hw_qemu_guest_agent', 'hw_rescue_bus', 'hw_rescue_device',
    'hw_rng_model', 'hw_time_hpet', 'hw_serial_port_count', 'hw_scsi_model',
    'hw_video_model', 'hw_video_ram', 'hw_vif_model', 'hw_viommu_model',
    'hw_vm_mode', 'hw_watchdog_action', 'hw_vif_multiqueue_enabled',
    'hw_tpm_model', 'hw_tpm_version', 'hw_ephemeral_encryption',
    'hw_ephemeral_encryption_format', 'hw_ephemeral_encryption_secret_uuid',
    'hw_virtio_packed_ring', 'hw_maxphysaddr_mode', 'hw_maxphysaddr_bits',
    'hw_sound_model', 'hw_usb_model', 'hw_redirected_usb_ports',
    'img_bittorrent', 'img_bdm_v2', 'img_block_device_mapping',
    'img_cache_in_nova', 'img_compression_level', 'img_hv_requested_version',
    'img_hv_type', 'img_config_drive', 'img_linked_clone', 'img_mappings',
    'img_owner_id', 'img_root_device_name', 'img_use_agent', 'img_version',
    'img_signature', 'img_signature_hash_method',
    'img_signature_certificate_uuid', 'img_signature_key_type',
    'img_hide_hypervisor_id', 'os_admin_user', 'os_command_line',
    'os_distro', 'os_require_quiesce', 'os_secure_boot',
    'os_skip_agent_inject_files_at_boot', 'os_skip_agent_inject_ssh',
    'os_type', 'traits_required',
    # legacy names
    'architecture', 'owner_id', 'vmware_disktype', 'vmware_image_version',
    'vmware_ostype', 'auto_disk_config', 'ipxe_boot', 'xenapi_device_id',
    'xenapi_image_compression_level', 'vmware_linked_clone',
    'xenapi_use_agent', 'xenapi_skip_agent_inject_ssh',
    'xenapi_skip_agent_inject_files_at_boot', 'cache_in_nova', 'vm_mode',
    'bittorrent', 'mappings', 'block_device_mapping', 'bdm_v2',
    'root_device_name', 'hypervisor_version_requires', 'hypervisor_type',
))
_IMAGE_PREFIX = 'image_'


class Links:
    """Builds the ``self``, ``bookmark`` and ``next`` links of a request.

    ``href_base`` is the versioned endpoint (``http://host/v2.1``, with the
    project id segment when the request URL had one), ``bookmark_base``
    the same without the version segment.
    """

    def __init__(self, href_base, bookmark_base, params=None):
        self.href_base = href_base.rstrip('/')
        self.bookmark_base = bookmark_base.rstrip('/')
        self.params = list(params or [])
        self._prefixes = {}

    def _prefix(self, base, collection):
        key = (base, collection)
        prefix = self._prefixes.get(key)
        if prefix is None:
            prefix = common.url_join(base, collection) + '/'
            self._prefixes[key] = prefix
        return prefix

    def href(self, collection, ident):
        return self._prefix(self.href_base, collection) + str(ident)

    def bookmark(self, collection, ident):
        return self._prefix(self.bookmark_base, collection) + str(ident)

    def self_and_bookmark(self, collection, ident):
        return [{'rel': 'self', 'href': self.href(collection, ident)},
                {'rel': 'bookmark', 'href': self.bookmark(collection, ident)}]

    def next(self, collection, marker):
        # NOTE: as Nova, the query of the request is kept (sorted by name,
        # one value per name) and the marker replaced.
        params = dict(sorted(dict(self.params).items()))
        params['marker'] = marker
        return '%s?%s' % (common.url_join(self.href_base, collection),
                          urlparse.urlencode(params))


def collection_links(links, items, collection, limit, max_limit):
    """``servers_links``: a ``next`` link when the page is full."""
    max_items = min(limit if limit is not None else max_limit, max_limit)
    if max_items and max_items == len(items):
        return [{'rel': 'next',
                 'href': links.next(collection, items[-1]['id'])}]
    return []


class ViewOptions:
    """Everything a server view needs besides the instance rows.

    The handler fills it once per request: the microversion, what the
    caller may see (already decided by policy) and the related rows
    loaded in batches, keyed by instance uuid.
    """

    def __init__(self, version, links, is_admin=False,
                 show_extended_attr=False, show_extra_specs=False,
                 host_status_mode=None, faults=None, metadata=None,
                 system_metadata=None, tags=None, bdms=None,
                 host_statuses=None, request_specs=None, server_groups=None,
                 hints_without_spec=None, security_groups=None,
                 availability_zones=None):
        self.version = version
        self.links = links
        self.is_admin = is_admin
        self.show_extended_attr = show_extended_attr
        self.show_extra_specs = show_extra_specs
        # None: no host_status; False: any value; True: UNKNOWN only.
        self.host_status_mode = host_status_mode
        self.faults = faults or {}
        self.metadata = metadata or {}
        self.system_metadata = system_metadata or {}
        self.tags = tags or {}
        self.bdms = bdms or {}
        self.host_statuses = host_statuses or {}
        # {uuid: {'availability_zone': ..., 'scheduler_hints': ...}}
        self.request_specs = request_specs
        # None: not shown; else {uuid: [group uuid]}
        self.server_groups = server_groups
        self.hints_without_spec = hints_without_spec
        # None: unknown (key omitted); else {uuid: [{'name': ...}]}
        self.security_groups = security_groups
        # None: the zone recorded on the instance; else {uuid: zone}
        self.availability_zones = availability_zones
        # Flavor JSON text -> current flavor: servers of one flavor carry
        # the same text, parsed once per request.
        self.flavors = {}

    def current_flavor(self, flavor_text):
        if not flavor_text:
            return None
        flavor = self.flavors.get(flavor_text)
        if flavor is None:
            flavor = self.flavors[flavor_text] = current_flavor(flavor_text)
        return flavor


def host_id(project_id, host):
    """Nova's ``hostId``: sha224 of project id + host, "" without host."""
    if not host:
        return ''
    return hashlib.sha224((str(project_id) + host).encode('utf-8')
                          ).hexdigest()


def current_flavor(flavor_text):
    """The current flavor (a dict of its fields) from instance_extra."""
    blob = network_info.load_json(flavor_text)
    if not isinstance(blob, dict):
        return None
    return network_info.object_data(blob.get('cur'))


def flavor_view(flavor, version, links, show_extra_specs):
    if not flavor:
        # NOTE: as Nova, an instance whose flavor is gone shows {}.
        return {}
    if version >= (2, 47):
        view = {
            'vcpus': flavor.get('vcpus'),
            'ram': flavor.get('memory_mb'),
            'disk': flavor.get('root_gb'),
            'ephemeral': flavor.get('ephemeral_gb'),
            'swap': flavor.get('swap'),
            'original_name': flavor.get('name'),
        }
        if show_extra_specs:
            view['extra_specs'] = flavor.get('extra_specs') or {}
        return view
    flavor_id = str(flavor.get('flavorid'))
    return {'id': flavor_id,
            'links': [{'rel': 'bookmark',
                       'href': links.bookmark('flavors', flavor_id)}]}


def image_view(image_ref, version, links, system_metadata=None):
    if not image_ref:
        # NOTE: a volume-backed server has an empty image_ref: "".
        return ''
    image_id = urlparse.urlsplit(str(image_ref)).path.split('/')[-1]
    image = {'id': image_id,
             'links': [{'rel': 'bookmark',
                        'href': links.bookmark('images', image_id)}]}
    if version >= (2, 98):
        plen = len(_IMAGE_PREFIX)
        image['properties'] = {
            key[plen:]: value
            for key, value in (system_metadata or {}).items()
            if (key.startswith(_IMAGE_PREFIX) and
                key[plen:] in IMAGE_PROPERTY_NAMES and value is not None)}
    return image


def addresses_view(network_info_text, extended=True):
    """``addresses`` from the network info cache JSON (Nova's VIF model)."""
    vifs = network_info.load_json(network_info_text)
    addresses = {}
    if not isinstance(vifs, list):
        return addresses
    for vif in vifs:
        network = vif.get('network') or {}
        label = network.get('label')
        mac = vif.get('address')
        fixed = [ip for subnet in network.get('subnets') or []
                 for ip in subnet.get('ips') or []]
        floating = [fip for ip in fixed
                    for fip in ip.get('floating_ips') or []]
        entries = addresses.setdefault(label, [])
        for ip in fixed + floating:
            address = {'version': network_info.ip_version(ip),
                       'addr': ip.get('address')}
            if extended:
                address['OS-EXT-IPS:type'] = ip.get('type')
                address['OS-EXT-IPS-MAC:mac_addr'] = mac
            entries.append(address)
    return addresses


def fault_view(fault, is_admin):
    """The ``fault`` of a server; ``details`` only for admins (or non-500).

    NOTE: as in Nova, visibility of ``details`` follows the context's
    admin flag (the ``context_is_admin`` rule), not a dedicated policy.
    Unlike Nova, both texts are scrubbed of credentials as they are shown
    (a Nova deployment's faults were stored unscrubbed).
    """
    view = {'code': fault['code'],
            'created': common.isotime(fault['created_at']),
            'message': exception.scrub_credentials(fault['message'])}
    if fault.get('details') and (is_admin or fault['code'] != 500):
        view['details'] = exception.scrub_credentials(fault['details'])
    return view


def trusted_certs_ids(trusted_certs_text):
    blob = network_info.object_data(network_info.load_json(trusted_certs_text))
    if isinstance(blob, dict) and blob.get('ids'):
        return list(blob['ids'])
    return None


MINIMAL_KEY = '_minimal'
"""Marks a row built from the API database for a server of a cell that
did not answer (microversion 2.69 "minimal construct")."""


def minimal_row(mapping):
    """A minimal row from an instance mapping (down cell, 2.69)."""
    return {MINIMAL_KEY: True, 'uuid': mapping['instance_uuid'],
            'project_id': mapping['project_id'],
            'created_at': mapping['created_at']}


def minimal_entry(inst, links, detail):
    """A server of a cell that did not answer, in a list (2.69).

    NOTE: as Nova: index shows only id, status UNKNOWN and links; detail
    adds tenant_id and created.
    """
    uuid = inst['uuid']
    entry = {'id': uuid, 'status': 'UNKNOWN',
             'links': links.self_and_bookmark(COLLECTION, uuid)}
    if detail:
        entry['tenant_id'] = inst['project_id']
        entry['created'] = common.isotime(inst['created_at'])
    return entry


def minimal_show(mapping, spec, version, links, show_extra_specs,
                 server_groups=None):
    """``GET /servers/{id}`` of a server whose cell did not answer (2.69).

    Built from the instance mapping and the request spec fields
    (``spec``: the RequestSpec object's data). ``server_groups`` is shown
    from 2.71.
    """
    uuid = mapping['instance_uuid']
    image = network_info.object_data(spec.get('image')) or {}
    flavor = network_info.object_data(spec.get('flavor')) or {}
    view = {
        'id': uuid, 'status': 'UNKNOWN',
        'tenant_id': mapping['project_id'],
        'created': common.isotime(mapping['created_at']),
        'links': links.self_and_bookmark(COLLECTION, uuid),
        # NOTE: Nova's minimal construct allows only id and links in the
        # image (no 2.98 properties: the cell holding them is down).
        'image': image_view(image.get('id'), (2, 1), links),
        'flavor': flavor_view(flavor, version, links, show_extra_specs),
        'OS-EXT-AZ:availability_zone': (spec.get('availability_zone') or
                                        'UNKNOWN'),
        'OS-EXT-STS:power_state': 0,
        'user_id': spec.get('user_id') or 'UNKNOWN',
    }
    if server_groups is not None:
        view['server_groups'] = list(server_groups)
    return view


def index_entry(inst, links):
    if MINIMAL_KEY in inst:
        return minimal_entry(inst, links, detail=False)
    uuid = inst['uuid']
    return {'id': uuid, 'name': inst['display_name'],
            'links': links.self_and_bookmark(COLLECTION, uuid)}


def _extended_attributes(inst, version):
    """The ``OS-EXT-SRV-ATTR:*`` keys (admin by default)."""
    attrs = {
        'OS-EXT-SRV-ATTR:host': inst['host'],
        'OS-EXT-SRV-ATTR:instance_name': INSTANCE_NAME_TEMPLATE % inst['id'],
        'OS-EXT-SRV-ATTR:hypervisor_hostname': inst['node'],
    }
    if version >= (2, 3):
        attrs.update({
            'OS-EXT-SRV-ATTR:hostname': inst['hostname'],
            'OS-EXT-SRV-ATTR:kernel_id': inst['kernel_id'],
            'OS-EXT-SRV-ATTR:launch_index': inst['launch_index'],
            'OS-EXT-SRV-ATTR:ramdisk_id': inst['ramdisk_id'],
            'OS-EXT-SRV-ATTR:reservation_id': inst['reservation_id'],
            'OS-EXT-SRV-ATTR:root_device_name': inst['root_device_name'],
            'OS-EXT-SRV-ATTR:user_data': inst['user_data'],
        })
    return attrs


def _volumes_attached(bdms, version):
    """``os-extended-volumes:volumes_attached`` from the volume BDMs."""
    volumes = []
    for bdm in bdms:
        if bdm['volume_id']:
            volume = {'id': bdm['volume_id']}
            if version >= (2, 3):
                volume['delete_on_termination'] = bool(
                    bdm['delete_on_termination'])
            volumes.append(volume)
    return volumes


def availability_zone(inst, opts):
    """The server's zone: its host's (from aggregates) or the recorded one.

    The handler computes the zones by Nova's rules (host aggregates);
    without them, the zone recorded on the instance.
    """
    if opts.availability_zones is not None:
        return opts.availability_zones.get(inst['uuid'])
    return inst['availability_zone']


def _add_security_groups(server, opts):
    # NOTE: as Nova, the key is absent for a server without groups.
    groups = (opts.security_groups or {}).get(server['id'])
    if groups:
        server['security_groups'] = [dict(group) for group in groups]


def show(inst, opts):
    """The detailed representation of one instance row."""
    if MINIMAL_KEY in inst:
        # NOTE: as Nova, a down cell's server in the detailed list still
        # shows the groups Neutron knows of.
        server = minimal_entry(inst, opts.links, detail=True)
        _add_security_groups(server, opts)
        return server
    v = opts.version
    links = opts.links
    uuid = inst['uuid']
    sysmeta = opts.system_metadata.get(uuid, {})
    status = server_states.server_status(inst)
    ip4 = inst['access_ip_v4']
    ip6 = inst['access_ip_v6']
    project_id = inst['project_id']
    server = {
        'accessIPv4': str(ip4) if ip4 is not None else '',
        'accessIPv6': str(ip6) if ip6 is not None else '',
        # NOTE: addresses are hidden while the server builds, as in Nova.
        'addresses': ({} if inst['vm_state'] == server_states.BUILDING
                      else addresses_view(inst.get('info_cache'))),
        'created': common.isotime(inst['created_at']),
        'flavor': flavor_view(opts.current_flavor(inst.get('flavor')), v,
                              links, opts.show_extra_specs),
        'hostId': host_id(project_id, inst['host']),
        'id': uuid,
        'image': image_view(inst['image_ref'], v, links, sysmeta),
        'links': links.self_and_bookmark(COLLECTION, uuid),
        'metadata': opts.metadata.get(uuid, {}),
        'name': inst['display_name'],
        'status': status,
        'tenant_id': project_id or '',
        'user_id': inst['user_id'] or '',
        'updated': common.isotime(inst['updated_at']),
        'OS-DCF:diskConfig': 'AUTO' if inst['auto_disk_config'] else 'MANUAL',
        'OS-EXT-AZ:availability_zone': availability_zone(inst, opts) or '',
        'config_drive': inst['config_drive'],
        'key_name': inst['key_name'],
        'OS-SRV-USG:launched_at': common.strtime(inst['launched_at']),
        'OS-SRV-USG:terminated_at': common.strtime(inst['terminated_at']),
        'OS-EXT-STS:task_state': inst['task_state'],
        'OS-EXT-STS:vm_state': inst['vm_state'],
        'OS-EXT-STS:power_state': inst['power_state'],
    }
    if status in FAULT_STATUSES:
        fault = opts.faults.get(uuid)
        if fault:
            server['fault'] = fault_view(fault, opts.is_admin)
    if status in PROGRESS_STATUSES:
        server['progress'] = inst['progress']
    _add_security_groups(server, opts)

    if opts.show_extended_attr:
        server.update(_extended_attributes(inst, v))
    server['os-extended-volumes:volumes_attached'] = _volumes_attached(
        opts.bdms.get(uuid, ()), v)

    if v >= (2, 9):
        server['locked'] = bool(inst['locked_by'])
    if v >= (2, 16) and opts.host_status_mode is not None:
        value = opts.host_statuses.get(uuid, '')
        if not opts.host_status_mode or value == 'UNKNOWN':
            server['host_status'] = value
    if v >= (2, 19):
        server['description'] = inst['display_description']
    if v >= (2, 26):
        server['tags'] = list(opts.tags.get(uuid, ()))
    if v >= (2, 63):
        server['trusted_image_certificates'] = trusted_certs_ids(
            inst.get('trusted_certs'))
    if opts.server_groups is not None:
        server['server_groups'] = list(opts.server_groups.get(uuid, ()))
    if v >= (2, 73):
        server['locked_reason'] = sysmeta.get('locked_reason')
    if v >= (2, 90) and not opts.show_extended_attr:
        # NOTE: 2.90 shows the hostname to everyone.
        server['OS-EXT-SRV-ATTR:hostname'] = inst['hostname']
    if v >= (2, 96):
        spec = (opts.request_specs or {}).get(uuid) or {}
        server['pinned_availability_zone'] = spec.get('availability_zone')
    if v >= (2, 100):
        spec = (opts.request_specs or {}).get(uuid)
        # NOTE: as Nova, a server without request spec shows {} on show
        # and null in the detailed list (opts.hints_without_spec).
        server['scheduler_hints'] = (
            opts.hints_without_spec if spec is None
            else spec.get('scheduler_hints'))
    return server


def index(instances, links, limit, max_limit, collection=COLLECTION):
    servers = [index_entry(inst, links) for inst in instances]
    body = {'servers': servers}
    next_links = collection_links(links, servers, collection, limit,
                                  max_limit)
    if next_links:
        body['servers_links'] = next_links
    return body


def detail(instances, opts, limit, max_limit,
           collection=COLLECTION + '/detail'):
    servers = [show(inst, opts) for inst in instances]
    body = {'servers': servers}
    next_links = collection_links(opts.links, servers, collection, limit,
                                  max_limit)
    if next_links:
        body['servers_links'] = next_links
    return body
