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

"""The policy files' look against oslo.config's search and oslo.policy.

Generated, both:

* layouts of configuration directories, files and a home directory: the
  first existing path of :func:`policy_files.candidates` is the path
  ``ConfigOpts.find_file`` answers;
* sequences of policy file and policy directory changes (new, edited with
  the same or another modification time, invalid, removed) between
  checks: our enforcer, which asks oslo.policy only after a change it
  sees, decides every check as an oslo.policy enforcer that looks before
  every check.
"""

import contextlib
import os
import tempfile

from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg
from oslo_policy import opts
from oslo_policy import policy as oslo_policy
import testtools

from nova_faults import conf as nf_conf
from nova_faults import policies
from nova_faults import policy
from nova_faults import policy_files

NAME = 'nf-test-policy.yaml'
DIR_NAME = 'nf-test-policy.d'
RULE = 'os_compute_api:os-instance-actions:list'
TARGET = {'project_id': 'p', 'user_id': 'u'}
CREDS = {'roles': ['member', 'reader'], 'project_id': 'p', 'user_id': 'u',
         'is_admin': False}


@contextlib.contextmanager
def _environ(**values):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _conf(root, config_files=(), config_dirs=()):
    conf = cfg.ConfigOpts()
    nf_conf.register_opts(conf)
    opts.set_defaults(conf)
    conf(nf_conf.command_line(config_files, config_dirs),
         project='nova-faults', default_config_files=[])
    return conf


def _touch(path, text=''):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


# A layout: directories by index, where they are used, and which hold the
# searched name (as a file or a directory).
_DIRS = ('conf_a', 'conf_b', 'confdir', 'home', 'home/.nova-faults',
         'snap/etc/nova-faults', 'snap_common/etc/nova-faults')
layouts = st.fixed_dictionaries({
    'config_files': st.lists(st.sampled_from(('conf_a', 'conf_b')),
                             max_size=3),
    'config_dirs': st.lists(st.just('confdir'), max_size=1),
    'holding': st.sets(st.sampled_from(_DIRS)),
    'as_directory': st.booleans(),
    'name': st.sampled_from((NAME, 'sub/' + NAME, '/absolute')),
    'snap': st.booleans(),
})


def _layout(config_files=(), config_dirs=(), holding=(), snap=False):
    """A layout of the searched name as a file, to be found first."""
    return {'config_files': list(config_files),
            'config_dirs': list(config_dirs), 'holding': set(holding),
            'as_directory': False, 'name': NAME, 'snap': snap}


class SearchOrderTest(testtools.TestCase):

    @settings(max_examples=80, deadline=None)
    @given(layouts)
    @example(_layout(config_files=['conf_a', 'conf_b'],
                     holding={'conf_a', 'conf_b'}))
    @example(_layout(config_files=['conf_a'], config_dirs=['confdir'],
                     holding={'conf_a', 'confdir'}))
    @example(_layout(holding={'home', 'home/.nova-faults'}))
    @example(_layout(holding={'snap/etc/nova-faults',
                              'snap_common/etc/nova-faults'}, snap=True))
    def test_first_candidate_is_what_find_file_finds(self, layout):
        with tempfile.TemporaryDirectory() as root:
            for d in _DIRS:
                os.makedirs(os.path.join(root, d), exist_ok=True)
            files = []
            for i, d in enumerate(layout['config_files']):
                path = os.path.join(root, d, 'nova-faults-%d.conf' % i)
                _touch(path)
                files.append(path)
            name = layout['name']
            if name == '/absolute':
                name = os.path.join(root, 'abs', NAME)
            for d in layout['holding']:
                target = os.path.join(root, d, name)
                if name.startswith('/'):
                    target = name
                if layout['as_directory']:
                    os.makedirs(target, exist_ok=True)
                else:
                    _touch(target)
            snap = layout['snap']
            with _environ(HOME=os.path.join(root, 'home'),
                          SNAP=os.path.join(root, 'snap') if snap else None,
                          SNAP_COMMON=(os.path.join(root, 'snap_common')
                                       if snap else None)):
                conf = _conf(root, files, [os.path.join(root, d)
                                           for d in layout['config_dirs']])
                expected = conf.find_file(name)
                found = None
                for path in policy_files.candidates(conf, (name,)):
                    if os.path.exists(path):
                        found = path
                        break
                # find_file answers the joined path as it is.
                self.assertEqual(expected, found)


# One step between checks: what changes, where, and the new modification
# time: a few fixed values, so that edits within one time are generated;
# some later than now, since oslo.policy reloads a policy directory only
# when its newest modification time (its own included) grows.
_PLACES = ('etc', 'home', 'home/.nova-faults')
_TEXTS = ('"%s": "@"\n' % RULE, '"%s": "!"\n' % RULE,
          '"%s": "role:member"\n' % RULE, '', '{not yaml: [',
          '"%s": "rule:nope"\n' % RULE)
_MTIMES = (1000000000, 1000000000, 1000000100, 4000000000, 4000000100,
           None)
steps = st.lists(st.one_of(
    st.tuples(st.just('file'), st.sampled_from(_PLACES),
              st.sampled_from(_TEXTS), st.sampled_from(_MTIMES)),
    st.tuples(st.just('remove file'), st.sampled_from(_PLACES)),
    st.tuples(st.just('entry'), st.sampled_from(_PLACES),
              st.sampled_from(('a.yaml', 'b.yaml')),
              st.sampled_from(_TEXTS[:3]), st.sampled_from(_MTIMES)),
    st.tuples(st.just('remove entry'), st.sampled_from(_PLACES),
              st.sampled_from(('a.yaml', 'b.yaml'))),
    st.just(('check',)),
), max_size=14)


def _verdict(enforcer):
    try:
        return enforcer.authorize(RULE, TARGET, dict(CREDS))
    except Exception as exc:
        return type(exc).__name__


class DecisionsTest(testtools.TestCase):

    def _apply(self, root, step):
        kind, place = step[0], os.path.join(root, step[1])
        if kind == 'file':
            path = os.path.join(place, NAME)
            _touch(path, step[2])
            if step[3] is not None:
                os.utime(path, (step[3], step[3]))
        elif kind == 'remove file':
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(place, NAME))
        elif kind == 'entry':
            path = os.path.join(place, DIR_NAME, step[2])
            _touch(path, step[3])
            if step[4] is not None:
                os.utime(path, (step[4], step[4]))
        elif kind == 'remove entry':
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(place, DIR_NAME, step[2]))

    @settings(max_examples=60, deadline=None)
    @given(steps)
    @example([('entry', 'etc', 'a.yaml', _TEXTS[0], 4000000000), ('check',),
              ('entry', 'etc', 'a.yaml', _TEXTS[1], 4000000100)])
    @example([('file', 'home', _TEXTS[1], 1000000000), ('check',),
              ('file', 'home', _TEXTS[2], 1000000100), ('check',),
              ('remove file', 'home')])
    def test_same_decisions_as_oslo_policy_looking_every_time(self, steps):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, 'etc'))
            os.makedirs(os.path.join(root, 'home', '.nova-faults'))
            config = os.path.join(root, 'etc', 'nova-faults.conf')
            _touch(config)
            with _environ(HOME=os.path.join(root, 'home'), SNAP=None,
                          SNAP_COMMON=None):
                conf = _conf(root, [config])
                conf.set_override('policy_file', NAME, group='oslo_policy')
                conf.set_override('policy_dirs', [DIR_NAME],
                                  group='oslo_policy')
                ours = policy._Enforcer(conf, use_conf=True)
                theirs = oslo_policy.Enforcer(conf, use_conf=True)
                for enforcer in (ours, theirs):
                    enforcer.register_defaults(policies.list_rules())
                    enforcer.suppress_deprecation_warnings = True
                for step in list(steps) + [('check',)]:
                    if step[0] == 'check':
                        self.assertEqual(_verdict(theirs), _verdict(ours),
                                         steps)
                    else:
                        self._apply(root, step)
