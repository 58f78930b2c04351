"""Talk to cells: target one, fan out to all, tell what a down cell is.

* :func:`target_cell` gives a context copy whose data calls go to one cell
  database (``ctx.cell`` is its transaction context, ``ctx.cell_mapping``
  the mapping).
* :func:`scatter_gather` runs a function in every cell concurrently, on a
  thread pool shared by the process, and waits at most ``timeout`` seconds
  in total. Each cell's answer is its result, the exception it raised (an
  instance, returned not raised) or :data:`DID_NOT_RESPOND`.
* A cell runs at most ``[api] max_concurrent_per_cell`` calls at once per
  process. When all of a cell's slots are taken (typically by calls stuck
  on a hung database) the cell is reported as not responding at once,
  without queueing: a hung cell never eats the next request's threads.
* :func:`get_cell_mappings` caches the cell list for
  ``[api_database] cell_cache_ttl`` seconds.
* :func:`failure_reason` describes a failed cell without its database URL.

Cell mappings may be plain dicts (from :mod:`nova_faults.db.api`) or
objects with the same attributes (``CellMapping``).
"""

import concurrent.futures
import copy
import threading
import time

from oslo_db import exception as db_exc
from oslo_log import log as logging

from nova_faults.db import api as db_api
from nova_faults import exception

LOG = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60
DEFAULT_MAX_CONCURRENT = 8
_MAX_WORKERS = 256


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


_EXECUTOR = None
_EXECUTOR_LOCK = threading.Lock()
_SEMAPHORES = {}
_SEMAPHORES_LOCK = threading.Lock()
_CELL_CACHE = {}
_CELL_CACHE_LOCK = threading.Lock()


def _executor():
    global _EXECUTOR
    if _EXECUTOR is None:
        with _EXECUTOR_LOCK:
            if _EXECUTOR is None:
                _EXECUTOR = concurrent.futures.ThreadPoolExecutor(
                    max_workers=_MAX_WORKERS,
                    thread_name_prefix='nova-faults-cell')
    return _EXECUTOR


def _semaphore(cell_uuid, size):
    key = (cell_uuid, size)
    sem = _SEMAPHORES.get(key)
    if sem is None:
        with _SEMAPHORES_LOCK:
            sem = _SEMAPHORES.setdefault(key, threading.BoundedSemaphore(size))
    return sem


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


def _run(sem, cctx, fn, args, kwargs):
    # The pool thread logs with the request's IDs: oslo.log reads the
    # thread's current context. (Each call replaces the previous one.)
    update_store = getattr(cctx, 'update_store', None)
    if update_store is not None:
        update_store()
    try:
        return fn(cctx, *args, **kwargs)
    except exception.NovaFaultsException as exc:
        return exc
    except Exception as exc:
        if not isinstance(exc, db_exc.DBError):
            LOG.exception('Error gathering result from cell %s',
                          cell_uuid(cctx.cell_mapping))
        else:
            LOG.warning('Database error from cell %s: %s',
                        cell_uuid(cctx.cell_mapping), type(exc).__name__)
        return exc
    finally:
        sem.release()


def scatter_gather(ctx, cell_mappings, fn, *args, timeout=None, conf=None,
                   **kwargs):
    """Run ``fn(cell_ctx, *args, **kwargs)`` in every cell concurrently.

    Returns ``{cell_uuid: result | exception instance | DID_NOT_RESPOND}``
    after at most ``timeout`` seconds in total (default ``[api]
    cell_timeout``). A cell whose concurrency slots are all busy answers
    ``DID_NOT_RESPOND`` at once.
    """
    conf = _conf(ctx, conf)
    if timeout is None:
        timeout = _timeout(conf)
    size = _max_concurrent(conf)
    results = {}
    futures = {}
    for cell in cell_mappings:
        uuid = cell_uuid(cell)
        try:
            cctx = cell_context(ctx, cell, conf)
        except Exception as exc:
            LOG.warning('Cannot target cell %s: %s', uuid,
                        type(exc).__name__)
            results[uuid] = exc
            continue
        sem = _semaphore(uuid, size)
        if not sem.acquire(blocking=False):
            # NOTE: all slots taken: treat the cell as down now rather than
            # queueing behind calls that may never return.
            LOG.warning('Cell %s has %d calls in flight; treating it as not '
                        'responding', uuid, size)
            results[uuid] = DID_NOT_RESPOND
            continue
        try:
            future = _executor().submit(_run, sem, cctx, fn, args, kwargs)
        except Exception as exc:
            sem.release()
            results[uuid] = exc
            continue
        futures[future] = uuid
    if futures:
        done, _not_done = concurrent.futures.wait(futures, timeout=timeout)
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
    """Raise CellUnavailable for a failed result.

    Raise ``CellUnavailable`` (503, no URL) for a failed result; else
    return it. A library exception that is not about the database (for
    example ``InstanceNotFound``) is re-raised as is.
    """
    if result is DID_NOT_RESPOND:
        raise exception.CellUnavailable(cell_uuid=cell_uuid(cell_mapping))
    if isinstance(result, exception.NovaFaultsException):
        raise result
    if isinstance(result, BaseException):
        raise exception.CellUnavailable(cell_uuid=cell_uuid(cell_mapping))
    return result


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
    cells = db_api.cell_mapping_get_all(actx)
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
