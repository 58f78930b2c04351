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

"""nova-faults inside Nova: a paste filter in Nova's own API pipeline.

``conf`` builds our ``ConfigOpts`` from the files the Nova process parsed;
``nova_filter`` is the filter (entry point ``egg:nova-faults#nova``). It
never imports Nova: it follows Nova's database schema and wire format.
"""
