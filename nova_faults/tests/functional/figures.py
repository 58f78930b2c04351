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

"""Figures the reliability tests measure (inputs tried, requests, ...).

Each is attached to the test's details; with ``NOVA_FAULTS_FIGURES`` set
to a file name, it is also appended there, one line per figure, for a
report.
"""

import os

from testtools import content


def record(test, name, text):
    test.addDetail(name, content.text_content(text))
    path = os.environ.get('NOVA_FAULTS_FIGURES')
    if path:
        with open(path, 'a') as out:
            out.write('%s: %s: %s\n' % (test.id(), name, text))
