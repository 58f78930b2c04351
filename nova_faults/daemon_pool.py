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

"""A grow-on-demand pool of daemon threads returning futures.

Used for the calls a request waits for with a bound: a cell's database
(:mod:`nova_faults.cells`) and Neutron (:mod:`nova_faults.objects.
security_group`, :mod:`nova_faults.neutron`), each with a pool of its
own: a :class:`LazyPool`, created on first use in the process that uses
it (threads do not survive fork: a pre-forking server's worker starts
its own).
"""

import collections
import concurrent.futures
import os
import threading
import weakref


class DaemonPool:
    """A grow-on-demand pool of daemon threads returning futures.

    NOTE: ``concurrent.futures.ThreadPoolExecutor`` joins its threads at
    interpreter exit, so one call blocked on a database that accepts
    connections and never answers kept the whole process from exiting.
    Daemon threads are abandoned at exit instead; the calls they run are
    reads bounded by the driver timeouts anyway.
    """

    def __init__(self, max_workers, name):
        self._max_workers = max_workers
        self._name = name
        self._queue = collections.deque()
        self._cond = threading.Condition()
        self._idle = 0
        self._threads = 0

    def submit(self, fn, *args):
        future = concurrent.futures.Future()
        with self._cond:
            self._queue.append((future, fn, args))
            # Each queued call needs a waiting thread, or a new one.
            if (len(self._queue) > self._idle and
                    self._threads < self._max_workers):
                self._threads += 1
                thread = threading.Thread(
                    target=self._work, daemon=True,
                    name='%s-%d' % (self._name, self._threads))
                thread.start()
            else:
                self._cond.notify()
        return future

    def _work(self):
        while True:
            with self._cond:
                while not self._queue:
                    self._idle += 1
                    self._cond.wait()
                    self._idle -= 1
                future, fn, args = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:
                future.set_exception(exc)
            del future, fn, args

    @property
    def size(self):
        """Threads started so far (they are never stopped)."""
        return self._threads


class LazyPool:
    """A :class:`DaemonPool` made on first use in each process."""

    def __init__(self, max_workers, name):
        self._args = (max_workers, name)
        self._pool = None
        self._lock = threading.Lock()
        _LAZY_POOLS.add(self)

    def get(self):
        """This process' pool."""
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = DaemonPool(*self._args)
                pool = self._pool
        return pool

    def submit(self, fn, *args):
        return self.get().submit(fn, *args)

    def _forget(self):
        self._pool = None
        self._lock = threading.Lock()


_LAZY_POOLS = weakref.WeakSet()


def _after_fork_in_child():
    for lazy in list(_LAZY_POOLS):
        lazy._forget()


os.register_at_fork(after_in_child=_after_fork_in_child)
