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

"""Talk to cells: target one, fan out to all, tell what a down cell is.

* :func:`target_cell` gives a context copy whose data calls go to one cell
  database (``ctx.cell`` is its transaction context, ``ctx.cell_mapping``
  the mapping).
* :func:`scatter_gather` runs a function in every cell concurrently, on a
  thread pool shared by the process, and waits at most ``timeout`` seconds
  in total. Each cell's answer is its result, the exception it raised (an
  instance, returned not raised) or :data:`DID_NOT_RESPOND`. A cell whose
  database is a local SQLite file is called in the caller's own thread
  (:func:`in_caller_thread`): a file has no server that can stop
  answering, so there is nothing for a thread and a timeout to bound.
* The pool's threads are daemon threads: a call stuck on a hung cell
  database never keeps the process (a command, a test run, a worker being
  recycled) from exiting. Cell engines also carry driver connect/read
  timeouts derived from ``[api] cell_timeout`` (see
  :func:`nova_faults.db.api.get_context_manager`), so a stuck call ends
  and gives its thread back.
* A cell runs at most ``[api] max_concurrent_per_cell`` calls at once per
  process. When all of a cell's slots are taken by calls that have gone
  unanswered longer than the timeout (a hung database) the cell is
  reported as not responding at once, without queueing: a hung cell never
  eats the next request's threads. A cell that is merely busy is waited
  for, within the same timeout.
* :func:`get_cell_mappings` caches the cell list for
  ``[api_database] cell_cache_ttl`` seconds.
* :func:`failure_reason` describes a failed cell without its database URL.
* Only a cell that does not answer, cannot be connected to, or whose
  database fails as a database (:data:`DATABASE_DOWN`) is *down*
  (:func:`is_down`). Anything else a cell call raises (a library
  exception, a bug of ours, bad input reaching a query) is that error:
  :func:`raise_if_failed` raises it as it is, never as "cell not
  responding"; a database refusing a value of the request
  (:func:`is_data_error`) is a ``DatabaseRefusedInput`` (400).

Cell mappings may be plain dicts (from :mod:`nova_faults.db.api`) or
objects with the same attributes (``CellMapping``).
"""

import concurrent.futures
import copy
import os
import threading
import time

from oslo_db import exception as db_exc
from oslo_log import log as logging
from sqlalchemy import exc as sa_exc

from nova_faults import daemon_pool
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults import exception

LOG = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60
DEFAULT_MAX_CONCURRENT = 8
_MAX_WORKERS = 256
_POLL = 0.01  # seconds between looks for a free slot of a busy cell


class _Sentinel:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def __bool__(self):
        return False


DID_NOT_RESPOND = _Sentinel('DID_NOT_RESPOND')
"""Result of a cell that did not answer within the timeout (or whose
concurrency slots were all busy)."""

# MySQL/MariaDB error numbers about a value of the query, not the server:
# 1139 "Got error ... from regexp" (MariaDB's PCRE), 3685-3699 the
# ER_REGEXP_* errors (MySQL 8's ICU).
MYSQL_INPUT_ERRORS = frozenset([1139] + list(range(3685, 3700)))

# What a cell call raises when the cell's database cannot be reached or
# fails as a server: oslo.db's translations, the driver's "operational"
# and interface errors (refused, reset, gone away, wrong credentials,
# missing SQLite file), the pool's timeout, and socket-level failures.
# Nothing else makes a cell "down".
DATABASE_DOWN = (db_exc.DBConnectionError, db_exc.DBNonExistentDatabase,
                 sa_exc.OperationalError, sa_exc.InterfaceError,
                 sa_exc.DisconnectionError, sa_exc.TimeoutError,
                 ConnectionError, TimeoutError)


_EXECUTOR = daemon_pool.LazyPool(_MAX_WORKERS, 'nova-faults-cell')
_SEMAPHORES = {}
_SEMAPHORES_LOCK = threading.Lock()
_CELL_CACHE = {}
_CELL_CACHE_LOCK = threading.Lock()


def _after_fork_in_child():
    # Free the slots held by the parent's calls (its pool's threads did
    # not survive the fork; the pool is made again on first use).
    global _SEMAPHORES_LOCK
    _SEMAPHORES_LOCK = threading.Lock()
    _SEMAPHORES.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _semaphore(cell_uuid, size):
    key = (cell_uuid, size)
    slots = _SEMAPHORES.get(key)
    if slots is None:
        with _SEMAPHORES_LOCK:
            slots = _SEMAPHORES.setdefault(key, _Slots(size))
    return slots


def _attr(cell, name):
    if isinstance(cell, dict):
        return cell.get(name)
    return getattr(cell, name, None)


def cell_uuid(cell):
    """The UUID of a cell mapping (dict or object)."""
    return _attr(cell, 'uuid')


def _conf(ctx, conf):
    return conf if conf is not None else getattr(ctx, 'conf', None)


def _timeout(conf):
    return conf.api.cell_timeout if conf is not None else DEFAULT_TIMEOUT


def _max_concurrent(conf):
    if conf is None:
        return DEFAULT_MAX_CONCURRENT
    return conf.api.max_concurrent_per_cell


def cell_context(ctx, cell_mapping, conf=None):
    """A copy of ``ctx`` bound to the database of ``cell_mapping``."""
    conf = _conf(ctx, conf)
    url = _attr(cell_mapping, 'database_connection')
    if conf is not None:
        url = db_api.format_db_url(conf, url)
    cctx = copy.copy(ctx)
    cctx.cell = db_api.get_context_manager(conf, url)
    cctx.cell_mapping = cell_mapping
    return cctx


class target_cell:
    """Bind a context copy to one cell database.

    ``with target_cell(ctx, cell_mapping) as cctx:`` data calls on
    ``cctx`` go to that cell's database; ``ctx`` is left untouched.

    ``conf`` (or ``ctx.conf``) supplies engine options and templated URL
    expansion.
    """

    def __init__(self, ctx, cell_mapping, conf=None):
        self._cctx = cell_context(ctx, cell_mapping, conf)

    def __enter__(self):
        return self._cctx

    def __exit__(self, *exc_info):
        return False


def is_failure(result):
    """True for :data:`DID_NOT_RESPOND` or an exception instance."""
    return result is DID_NOT_RESPOND or isinstance(result, BaseException)


def is_database_down(exc):
    """Whether ``exc`` says a database is unreachable or failing.

    :data:`DATABASE_DOWN`, or oslo.db's generic ``DBError`` wrapping one
    of them (an operational error oslo.db has no translation for); not a
    database refusing a value of the request (:func:`is_data_error`).
    """
    if is_data_error(exc):
        return False
    if isinstance(exc, DATABASE_DOWN):
        return True
    inner = getattr(exc, 'inner_exception', None)
    return isinstance(exc, db_exc.DBError) and \
        isinstance(inner, DATABASE_DOWN)


def is_data_error(exc):
    """Whether ``exc`` is a database refusing a value (bad input).

    oslo.db's ``DBDataError``, the driver's data errors (a MySQL column
    refusing a character, PostgreSQL refusing a regular expression), and
    MySQL's regular expression errors, which PyMySQL raises as
    "operational" errors; bare or wrapped in oslo.db's ``DBError``.
    """
    inner = getattr(exc, 'inner_exception', None)
    for error in (exc, inner):
        if isinstance(error, (db_exc.DBDataError, sa_exc.DataError)):
            return True
        if isinstance(error, sa_exc.OperationalError) and \
                _mysql_errno(error) in MYSQL_INPUT_ERRORS:
            return True
    return False


def _mysql_errno(error):
    args = getattr(getattr(error, 'orig', None), 'args', None) or (None,)
    return args[0]


def is_down(result):
    """Whether a cell's result means the cell is down.

    True for :data:`DID_NOT_RESPOND`, ``CellUnavailable`` (the cell could
    not be targeted) and a database failure (:func:`is_database_down`);
    False for results and for every other exception, which is an error of
    the request or of ours, not of the cell.
    """
    if result is DID_NOT_RESPOND:
        return True
    if isinstance(result, exception.CellUnavailable):
        return True
    return isinstance(result, BaseException) and is_database_down(result)


def down_or_raise(result):
    """True when the cell is down; raise a failure that is not that.

    For the loops over :func:`scatter_gather` results that skip down
    cells (or show them as minimal records): a cell call that failed
    for any other reason is re-raised, never taken for a down cell.
    False for a result.
    """
    if is_down(result):
        return True
    _raise_failure(result)
    return False


def _raise_failure(result):
    if is_data_error(result):
        # Logged with its traceback where it happened (_run).
        raise exception.DatabaseRefusedInput() from result
    if isinstance(result, BaseException):
        raise result


class _Slots:
    """The concurrency slots of one cell, and when their calls started."""

    def __init__(self, size):
        self.size = size
        self.semaphore = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._deadlines = {}

    def acquire(self, deadline, timeout=None):
        """A token for a free slot (None if none), waiting ``timeout``.

        ``deadline`` (monotonic) is when the caller stops waiting for the
        call: past it, the call counts as unanswered (:meth:`stuck`).
        """
        if timeout is None:
            ok = self.semaphore.acquire(blocking=False)
        else:
            ok = self.semaphore.acquire(timeout=max(0, timeout))
        if not ok:
            return None
        token = object()
        with self._lock:
            self._deadlines[token] = deadline
        return token

    def release(self, token):
        with self._lock:
            self._deadlines.pop(token, None)
        self.semaphore.release()

    def stuck(self):
        """True when a call in flight outlived its caller's timeout."""
        with self._lock:
            earliest = min(self._deadlines.values(), default=None)
        return earliest is not None and time.monotonic() > earliest


def in_caller_thread(cctx):
    """Whether a cell's calls run in the caller's thread: a SQLite file.

    NOTE: Nova reads one server's cell in the request's thread, with no
    bound (and fans out to every cell on a pool, within 60 seconds). Here
    a cell on a database server is always called in a pool thread,
    so that a server that stops answering costs at most ``[api]
    cell_timeout``. A local SQLite file has no such server: its reads
    wait for nothing (the file is in WAL mode, readers do not wait for a
    writer), and handing each call to another thread and back cost
    0.15 ms of a 1 ms request, more after an idle pause, on two threads
    to wake.
    """
    url = getattr(getattr(cctx, 'cell', None), 'nova_faults_url', None)
    return bool(url) and db_api.is_sqlite_file(url)


def _call(cctx, fn, args, kwargs):
    """``fn``'s result, or the exception it raised (logged if unexpected)."""
    try:
        return fn(cctx, *args, **kwargs)
    except exception.NovaFaultsException as exc:
        return exc
    except Exception as exc:
        if is_data_error(exc):
            LOG.info('The database of cell %s refused a value of the '
                     'request: %s', cell_uuid(cctx.cell_mapping),
                     type(getattr(exc, 'inner_exception', exc)).__name__)
        elif is_database_down(exc):
            LOG.warning('Database error from cell %s: %s',
                        cell_uuid(cctx.cell_mapping), type(exc).__name__)
        else:
            # Not the cell's fault: the caller raises it again, and the
            # traceback is logged here, where it happened.
            LOG.exception('Error gathering result from cell %s',
                          cell_uuid(cctx.cell_mapping))
        return exc


def _run(slots, token, cctx, fn, args, kwargs):
    # The pool thread logs with the request's IDs: oslo.log reads the
    # thread's current context. (Each call replaces the previous one.)
    update_store = getattr(cctx, 'update_store', None)
    if update_store is not None:
        update_store()
    try:
        return _call(cctx, fn, args, kwargs)
    finally:
        slots.release(token)


def _targeted(ctx, cell_mappings, conf, results):
    """``(uuid, cell context)`` of each cell; those that fail in results."""
    for cell in cell_mappings:
        uuid = cell_uuid(cell)
        try:
            cctx = cell_context(ctx, cell, conf)
        except Exception as exc:
            # NOTE: building the engine for the cell's URL failed (a bad
            # URL, a missing driver): the cell cannot be reached. Said
            # without the URL, which may hold a password.
            LOG.warning('Cannot target cell %s: %s', uuid,
                        type(exc).__name__)
            results[uuid] = exception.CellUnavailable(cell_uuid=uuid)
            continue
        yield uuid, cctx


def scatter_gather(ctx, cell_mappings, fn, *args, timeout=None, conf=None,
                   **kwargs):
    """Run ``fn(cell_ctx, *args, **kwargs)`` in every cell concurrently.

    Returns ``{cell_uuid: result | exception instance | DID_NOT_RESPOND}``
    after at most ``timeout`` seconds in total (default ``[api]
    cell_timeout``).

    Each cell runs at most ``[api] max_concurrent_per_cell`` calls at
    once. When its slots are all taken, a call waits for one (within the
    same total timeout) while the cell is merely busy; once a call in
    flight has gone unanswered for longer than ``timeout`` the cell is
    hung, and it answers ``DID_NOT_RESPOND`` at once.

    Cells on a local SQLite file (:func:`in_caller_thread`) are called in
    this thread, after the others were handed to the pool, without slot
    or timeout.
    """
    conf = _conf(ctx, conf)
    if timeout is None:
        timeout = _timeout(conf)
    deadline = time.monotonic() + timeout
    size = _max_concurrent(conf)
    results = {}
    futures = {}
    waiting = []
    local = []

    def submit(uuid, cctx, slots, token):
        try:
            future = _EXECUTOR.submit(_run, slots, token, cctx, fn, args,
                                      kwargs)
        except Exception as exc:
            slots.release(token)
            results[uuid] = exc
            return
        futures[future] = uuid

    for uuid, cctx in _targeted(ctx, cell_mappings, conf, results):
        if in_caller_thread(cctx):
            local.append((uuid, cctx))
            continue
        slots = _semaphore(uuid, size)
        token = slots.acquire(deadline)
        if token is not None:
            submit(uuid, cctx, slots, token)
        elif slots.stuck():
            # NOTE: all slots held by calls that outlived the timeout:
            # the cell is hung; do not queue behind calls that may never
            # return.
            LOG.warning('Cell %s has %d calls in flight that did not '
                        'answer in time; treating it as not responding',
                        uuid, size)
            results[uuid] = DID_NOT_RESPOND
        else:
            waiting.append((uuid, cctx, slots))
    # Local files are read here, while the other cells' calls run.
    for uuid, cctx in local:
        results[uuid] = _call(cctx, fn, args, kwargs)
    # Busy (not hung) cells: poll for a free slot until the deadline.
    while waiting:
        still = []
        for uuid, cctx, slots in waiting:
            remaining = deadline - time.monotonic()
            token = None
            if remaining > 0 and not slots.stuck():
                token = slots.acquire(deadline, min(remaining, _POLL))
            if token is not None:
                submit(uuid, cctx, slots, token)
            elif remaining <= 0 or slots.stuck():
                LOG.warning('Cell %s has no free slot: treating it as not '
                            'responding', uuid)
                results[uuid] = DID_NOT_RESPOND
            else:
                still.append((uuid, cctx, slots))
        waiting = still
    if futures:
        done, _not_done = concurrent.futures.wait(
            futures, timeout=max(0, deadline - time.monotonic()))
        for future, uuid in futures.items():
            if future in done:
                results[uuid] = future.result()
            else:
                LOG.warning('Timed out waiting for a response from cell %s',
                            uuid)
                results[uuid] = DID_NOT_RESPOND
    return results


def scatter_gather_single(ctx, cell_mapping, fn, *args, timeout=None,
                          conf=None, **kwargs):
    """:func:`scatter_gather` on one cell: its result (maybe a failure)."""
    return scatter_gather(ctx, [cell_mapping], fn, *args, timeout=timeout,
                          conf=conf, **kwargs)[cell_uuid(cell_mapping)]


def failure_reason(result):
    """A short, URL-free reason for a failed cell result.

    A short, URL-free reason for a failed cell result (for logs and
    messages): never the exception text, which may name the database.
    """
    if result is DID_NOT_RESPOND:
        return 'did not respond'
    if isinstance(result, exception.NovaFaultsException) and result.safe:
        return result.format_message()
    if isinstance(result, BaseException):
        return 'failed (%s)' % type(result).__name__
    return 'ok'


def raise_if_failed(cell_mapping, result):
    """Return a cell's result; raise what a failed one means.

    A down cell (:func:`is_down`) raises ``CellUnavailable`` (503, no
    URL); a database refusing a value of the request
    (:func:`is_data_error`) ``DatabaseRefusedInput`` (400); any other
    exception the call raised is raised as it is: a library exception
    (``InstanceNotFound``...) keeps its code, anything else is an
    unexpected error of ours (500), never blamed on the cell.
    """
    if is_down(result):
        if isinstance(result, exception.CellUnavailable):
            raise result
        raise exception.CellUnavailable(cell_uuid=cell_uuid(cell_mapping))
    _raise_failure(result)
    return result


def run_in_cell(ctx, conf, cell_mapping, fn, *args):
    """Run ``fn(cell_ctx, *args)`` in one cell; its result, or raise.

    What ``fn`` raised (not found, bad marker, a bug) is raised again; a
    cell whose database fails or that does not answer in ``[api]
    cell_timeout`` is a ``CellUnavailable`` (503, naming the cell, never
    its database URL).
    """
    result = scatter_gather_single(ctx, cell_mapping, fn, *args, conf=conf)
    return raise_if_failed(cell_mapping, result)


def reader(cell_ctx):
    """One read transaction on a targeted context's cell database.

    Every read of :mod:`nova_faults.objects` made inside ``with
    cells.reader(cell_ctx):`` (same thread and context) shares one
    connection and transaction: one round trip to the pool per request.
    """
    return db_api.cell_reader(cell_ctx)


def bind_api_database(ctx, conf):
    """Point ``ctx.api_db`` at the API database unless it already is."""
    if getattr(ctx, 'api_db', None) is None:
        ctx.api_db = db_api.get_api_context_manager(conf)
    return ctx


def get_cell_mappings(ctx, conf, use_cache=True):
    """The cell mappings, cached.

    The cell mappings (dicts, ordered by id), cached for ``[api_database]
    cell_cache_ttl`` seconds per API database; disabled cells included.
    """
    ttl = conf.api_database.cell_cache_ttl
    url = db_api.api_connection_url(conf)
    now = time.monotonic()
    if use_cache and ttl > 0:
        entry = _CELL_CACHE.get(url)
        if entry is not None and now - entry[0] < ttl:
            return list(entry[1])
    actx = ctx
    if getattr(ctx, 'api_db', None) is None:
        actx = copy.copy(ctx)
        actx.api_db = db_api.get_api_context_manager(conf)
    cells = db_mappings.cell_mapping_get_all(actx)
    with _CELL_CACHE_LOCK:
        _CELL_CACHE[url] = (now, cells)
    return list(cells)


def reset_cache():
    """Forget the cached cell lists (tests, after ``cell create``)."""
    with _CELL_CACHE_LOCK:
        _CELL_CACHE.clear()


def reset():
    """Forget caches and per-cell semaphores (tests)."""
    reset_cache()
    with _SEMAPHORES_LOCK:
        _SEMAPHORES.clear()
