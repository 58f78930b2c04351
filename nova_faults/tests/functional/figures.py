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
