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

"""The data the API reads, one module per noun (placement's style).

Each module owns the reads of its noun: plain classes whose class methods
run the batched Core queries of :mod:`nova_faults.db` (one function per
query) and return plain rows (dicts), never ORM or versioned objects:
building objects is the slowest part of a list request. Handlers reach
data only through this package.

==========================  ============================================
module                      noun
==========================  ============================================
:mod:`.mappings`            cell, instance and host mappings (API DB)
:mod:`.request_spec`        request specs and server groups (API DB)
:mod:`.instance`            one instance (its cell database)
:mod:`.instance_list`       pages of instances across cells, batched
                            with the rows their view needs
:mod:`.instance_action`     server actions and their events
:mod:`.service`             services (os-services, host status)
==========================  ============================================

The versioned objects (oslo.versionedobjects) are only the payloads of
the notifications (:mod:`.notification`, on :mod:`.base`): they are what
is serialised. Importing this package does not import
oslo.versionedobjects.
"""
