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

"""How every property-based test of nova-faults draws its examples.

One place for hypothesis' settings, shared by the unit, functional and
fuzzing tests:

* ``settings(**overrides)``: no example database (runs are
  reproducible from their seed alone), no deadline (a shared CI machine
  is slow at random moments), ``NOVA_FAULTS_HYPOTHESIS_EXAMPLES``
  examples in all (default 300, or the test's own count scaled to it),
  shared among the seeds, and no health check suppressed unless the
  caller names it, with its reason.
* ``seeds()``: the seeds a run explores. By default the fixed list
  ``CI_SEEDS``, so CI is reproducible and still covers more than one
  draw; ``NOVA_FAULTS_HYPOTHESIS_SEED=random`` draws fresh seeds (as
  many as ``NOVA_FAULTS_HYPOTHESIS_RUNS``, default 1) and prints them;
  ``NOVA_FAULTS_HYPOTHESIS_SEED=<n>[,<n>...]`` replays those seeds.
* ``explore(test)``: run a ``@given`` function once per seed; a failure
  names its seed and the command that replays it (in the exception's
  notes and on stderr).
* ``seeded``: the same as a decorator for a ``@given`` test method.

Random seeds on demand::

    NOVA_FAULTS_HYPOTHESIS_SEED=random NOVA_FAULTS_HYPOTHESIS_RUNS=5 \\
        stestr run test_hostile_input

and a failure prints, e.g.::

    hypothesis seed 3141592653: replay with
    NOVA_FAULTS_HYPOTHESIS_SEED=3141592653 stestr run <test id>
"""

import functools
import math
import os
import random
import sys

import hypothesis

EXAMPLES_ENV = 'NOVA_FAULTS_HYPOTHESIS_EXAMPLES'
SEED_ENV = 'NOVA_FAULTS_HYPOTHESIS_SEED'
RUNS_ENV = 'NOVA_FAULTS_HYPOTHESIS_RUNS'

#: The seeds CI explores, every run: fixed so that a red run is
#: reproducible, several so that a run covers more than one draw.
CI_SEEDS = (19, 8191, 2718281828)

DEFAULT_EXAMPLES = 300


def examples(default=DEFAULT_EXAMPLES):
    """How many examples a test draws per seed.

    ``default`` (scaled by ``NOVA_FAULTS_HYPOTHESIS_EXAMPLES`` when set)
    is the test's total for a run, shared among the seeds it explores,
    so that exploring more seeds does not make CI slower.
    """
    configured = os.environ.get(EXAMPLES_ENV)
    total = default
    if configured:
        # A test's own count is scaled with the configured one.
        total = default * int(configured) / DEFAULT_EXAMPLES
    return max(1, math.ceil(total / len(seeds(announce=False))))


def settings(max_examples=None, suppress_health_check=(), **overrides):
    """hypothesis settings for our tests (see the module docstring).

    ``suppress_health_check`` names the checks a test cannot meet, each
    for a reason the caller states next to it; none is suppressed by
    default.
    """
    values = dict(max_examples=examples(max_examples or DEFAULT_EXAMPLES),
                  deadline=None, database=None, derandomize=False,
                  print_blob=True,
                  suppress_health_check=list(suppress_health_check))
    values.update(overrides)
    return hypothesis.settings(**values)


def seeds(announce=True):
    """The seeds this run explores (see the module docstring)."""
    configured = os.environ.get(SEED_ENV, '').strip()
    if not configured:
        return CI_SEEDS
    if configured == 'random':
        runs = int(os.environ.get(RUNS_ENV, '1'))
        if not announce:
            return (None,) * runs
        drawn = tuple(random.SystemRandom().getrandbits(32)
                      for _ in range(runs))
        sys.stderr.write('hypothesis seeds drawn: %s (replay with %s=%s)\n'
                         % (', '.join(map(str, drawn)), SEED_ENV,
                            ','.join(map(str, drawn))))
        return drawn
    return tuple(int(seed) for seed in configured.split(','))


def _replay_note(seed, name):
    return ('hypothesis seed %d: replay with %s=%d stestr run %s'
            % (seed, SEED_ENV, seed, name))


def explore(test, name=None):
    """Run the ``@given`` function ``test`` once per seed of ``seeds()``.

    Returns the number of seeds run (at least one).
    """
    ran = 0
    for seed in seeds():
        hypothesis.seed(seed)(test)
        try:
            test()
        except BaseException as error:
            note = _replay_note(seed, name or test.__qualname__)
            error.add_note(note)
            sys.stderr.write(note + '\n')
            raise
        ran += 1
    assert ran, 'no hypothesis seed was run'
    return ran


def seeded(test):
    """Decorator: run a ``@given`` test method once per seed."""

    @functools.wraps(test)
    def run(self, *args, **kwargs):
        bound = functools.partial(test, self, *args, **kwargs)
        for seed in seeds():
            hypothesis.seed(seed)(test)
            try:
                bound()
            except BaseException as error:
                note = _replay_note(seed, self.id())
                error.add_note(note)
                sys.stderr.write(note + '\n')
                raise
    return run
