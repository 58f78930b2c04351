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

"""Test fixtures: real databases, whole deployments, private servers.

``Database(backend)`` creates a uniquely named database on ``sqlite`` (a
file in a temporary directory), ``mysql`` (PyMySQL, root on
127.0.0.1:3306) or ``postgresql`` (psycopg 3, postgres on 127.0.0.1:5432)
and drops it afterwards. When the server is unreachable the test is
skipped, unless ``NOVA_FAULTS_REQUIRE_BACKENDS=1`` (CI): then it fails.

``Deployment(cells=('sqlite', 'mysql'), api='sqlite')`` builds a
configuration (``state_path`` in a temporary directory), an API database
and one database per cell, all migrated, with the cell mappings written
(``cell1``, ``cell2``, ...). It offers contexts bound to it and helpers
to create test data: instances (with their instance mapping), services
(with the host mapping of compute hosts), request specs.

``QueryCounter(deployment)`` counts the SQL statements run on the
deployment's databases (for "a fixed number of queries" assertions).
"""

import atexit
import glob
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import fixtures
from oslo_config import cfg
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova_faults import cells as nf_cells
from nova_faults import conf as nf_conf
from nova_faults import context as nf_context
from nova_faults.db import api as db_api
from nova_faults.db import instances as db_instances
from nova_faults.db import mappings as db_mappings
from nova_faults.db import migration
from nova_faults.db import request_specs as db_request_specs
from nova_faults.db import services as db_services
from nova_faults.objects import instance as instance_obj

REQUIRE_ENV = 'NOVA_FAULTS_REQUIRE_BACKENDS'
BACKENDS = ('sqlite', 'mysql', 'postgresql')

MYSQL_ADMIN_URL = os.environ.get(
    'NOVA_FAULTS_MYSQL_URL', 'mysql+pymysql://root@127.0.0.1:3306')
POSTGRESQL_ADMIN_URL = os.environ.get(
    'NOVA_FAULTS_POSTGRESQL_URL',
    'postgresql+psycopg://postgres@127.0.0.1:5432')

_PROBES = {}
_PROBE_LOCK = threading.Lock()
_TEMPLATES = {}
_TEMPLATE_LOCK = threading.Lock()
_TEMPLATE_DIR = None


def backends_required():
    """True when an unreachable database server must fail the test."""
    return os.environ.get(REQUIRE_ENV, '').lower() in ('1', 'true', 'yes')


def _admin_url(backend, database=''):
    if backend == 'mysql':
        return '%s/%s' % (MYSQL_ADMIN_URL, database)
    if backend == 'postgresql':
        return '%s/%s' % (POSTGRESQL_ADMIN_URL, database or 'postgres')
    raise ValueError('unknown backend %r' % backend)


def _admin_engine(backend):
    connect_args = {'connect_timeout': 3}
    return sa.create_engine(_admin_url(backend), isolation_level='AUTOCOMMIT',
                            poolclass=sa.pool.NullPool,
                            connect_args=connect_args)


def backend_error(backend):
    """None when ``backend`` is usable, else why not (probed once)."""
    if backend == 'sqlite':
        return None
    with _PROBE_LOCK:
        if backend not in _PROBES:
            try:
                engine = _admin_engine(backend)
                with engine.connect() as conn:
                    conn.exec_driver_sql('SELECT 1')
                engine.dispose()
                _PROBES[backend] = None
            except Exception as exc:
                _PROBES[backend] = '%s server unreachable: %s' % (
                    backend, type(exc).__name__)
        return _PROBES[backend]


def require_backend(backend):
    """Skip or fail the current test when a backend is unreachable.

    Skip (or fail, with NOVA_FAULTS_REQUIRE_BACKENDS=1) the current test
    when ``backend``'s server is unreachable.
    """
    error = backend_error(backend)
    if error is None:
        return
    if backends_required():
        raise AssertionError('%s and %s=1 requires it' % (error, REQUIRE_ENV))
    raise unittest.SkipTest(error)


# RabbitMQ, for the notification tests (oslo.messaging transport URL).
RABBIT_URL = os.environ.get('NOVA_FAULTS_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')


def rabbitmq_error():
    """None when RabbitMQ at ``RABBIT_URL`` answers, else why not."""
    with _PROBE_LOCK:
        if 'rabbitmq' not in _PROBES:
            import kombu
            url = 'amqp' + RABBIT_URL[len('rabbit'):]
            try:
                with kombu.Connection(url, connect_timeout=3) as conn:
                    conn.ensure_connection(max_retries=1)
                _PROBES['rabbitmq'] = None
            except Exception as exc:
                _PROBES['rabbitmq'] = 'RabbitMQ unreachable: %s' % (
                    type(exc).__name__)
        return _PROBES['rabbitmq']


def require_rabbitmq():
    """Skip the test without RabbitMQ (fail it when backends are required)."""
    error = rabbitmq_error()
    if error is None:
        return
    if backends_required():
        raise AssertionError('%s and %s=1 requires it' % (error, REQUIRE_ENV))
    raise unittest.SkipTest(error)


def _template_dir():
    global _TEMPLATE_DIR
    if _TEMPLATE_DIR is None:
        _TEMPLATE_DIR = tempfile.mkdtemp(prefix='nova-faults-templates-')
        atexit.register(shutil.rmtree, _TEMPLATE_DIR, True)
    return _TEMPLATE_DIR


def _sqlite_template(tree):
    """A migrated SQLite file for ``tree``, made once per process."""
    with _TEMPLATE_LOCK:
        path = _TEMPLATES.get(tree)
        if path is None:
            path = os.path.join(_template_dir(), '%s.sqlite' % tree)
            migration.upgrade('sqlite:///' + path, tree)
            _TEMPLATES[tree] = path
        return path


class Database(fixtures.Fixture):
    """A uniquely named, empty (or migrated) database, dropped afterwards.

    ``backend``: ``sqlite``, ``mysql`` or ``postgresql``. ``tree``: None
    for an empty database, ``'api'`` or ``'main'`` to migrate it.
    ``directory``: where SQLite files go (a temporary one by default).
    ``template``: copy a database migrated once per process (SQLite file,
    PostgreSQL template) instead of migrating each time (False: run the
    migrations). Exposes ``url`` and ``name``.
    """

    def __init__(self, backend='sqlite', tree=None, directory=None,
                 tag='db', template=True):
        super().__init__()
        self.template = template
        if backend not in BACKENDS:
            raise ValueError('unknown backend %r' % backend)
        self.backend = backend
        self.tree = tree
        self.directory = directory
        self.tag = tag

    def _setUp(self):
        require_backend(self.backend)
        self.name = 'nf_%s_%s' % (self.tag, uuidutils.generate_uuid(
            dashed=False)[:12])
        if self.backend == 'sqlite':
            directory = self.directory or self.useFixture(
                fixtures.TempDir()).path
            path = os.path.join(directory, self.name + '.sqlite')
            self.url = 'sqlite:///' + path
            if self.tree and self.template:
                shutil.copyfile(_sqlite_template(self.tree), path)
            elif self.tree:
                migration.upgrade(self.url, self.tree)
            self.addCleanup(db_api.dispose, self.url)
            return
        template = None
        if self.tree and self.backend == 'postgresql' and self.template:
            template = _postgresql_template(self.tree)
        _create_database(self.backend, self.name, template)
        self.url = _admin_url(self.backend, self.name)
        self.addCleanup(self._drop)
        if self.tree and template is None:
            migration.upgrade(self.url, self.tree)

    def _drop(self):
        db_api.dispose(self.url)
        # NOTE: dropping a database costs a checkpoint on PostgreSQL (up to
        # a second); it is done in the background, and finished before the
        # test process exits.
        _drop_later(self.backend, self.name)


def _create_database(backend, name, template=None):
    engine = _admin_engine(backend)
    try:
        with engine.connect() as conn:
            if backend == 'mysql':
                conn.exec_driver_sql(
                    'CREATE DATABASE %s CHARACTER SET utf8mb4' % name)
            elif template:
                conn.exec_driver_sql('CREATE DATABASE %s TEMPLATE %s'
                                     % (name, template))
            else:
                conn.exec_driver_sql('CREATE DATABASE %s' % name)
    finally:
        engine.dispose()


def _drop_database(backend, name):
    engine = _admin_engine(backend)
    try:
        with engine.connect() as conn:
            if backend == 'postgresql':
                version = conn.exec_driver_sql(
                    'SHOW server_version_num').scalar()
                force = ' WITH (FORCE)' if int(version) >= 130000 else ''
                conn.exec_driver_sql('DROP DATABASE IF EXISTS %s%s'
                                     % (name, force))
            else:
                conn.exec_driver_sql('DROP DATABASE IF EXISTS %s' % name)
    finally:
        engine.dispose()


_DROPS = queue.Queue()
_DROPPER = None
_DROPPER_LOCK = threading.Lock()


def _dropper():
    while True:
        backend, name = _DROPS.get()
        try:
            _drop_database(backend, name)
        except Exception:
            pass
        finally:
            _DROPS.task_done()


def _finish_drops():
    _DROPS.join()


def _drop_later(backend, name):
    global _DROPPER
    with _DROPPER_LOCK:
        if _DROPPER is None:
            _DROPPER = threading.Thread(target=_dropper, daemon=True,
                                        name='nova-faults-db-drop')
            _DROPPER.start()
            atexit.register(_finish_drops)
    _DROPS.put((backend, name))


_PG_TEMPLATES = {}


def _postgresql_template(tree):
    """A migrated PostgreSQL database to copy, made once per process."""
    with _TEMPLATE_LOCK:
        name = _PG_TEMPLATES.get(tree)
        if name is None:
            name = 'nf_tmpl_%s_%d_%s' % (
                tree, os.getpid(),
                uuidutils.generate_uuid(dashed=False)[:6])
            _create_database('postgresql', name)
            url = _admin_url('postgresql', name)
            migration.upgrade(url, tree)
            _PG_TEMPLATES[tree] = name
            atexit.register(_drop_database, 'postgresql', name)
        return name


def make_conf(state_path, overrides=None):
    """A parsed ``ConfigOpts`` with every option registered."""
    conf = cfg.ConfigOpts()
    nf_conf.register_opts(conf)
    conf([], project='nova-faults', default_config_files=[])
    conf.set_override('state_path', state_path)
    for (group, name), value in (overrides or {}).items():
        conf.set_override(name, value, group=group)
    return conf


class Deployment(fixtures.Fixture):
    """Configuration, API database and cells, migrated and mapped.

    ``cells``: one backend name per cell (named ``cell1``, ``cell2``, ...).
    ``api``: the API database backend. ``overrides``: ``{(group, name):
    value}`` configuration overrides (group ``None`` for DEFAULT).

    Attributes: ``conf``, ``api_url``, ``cells`` (cell mapping dicts, in
    order), ``cell_urls`` (``{cell uuid: url}``), ``state_path``.
    """

    def __init__(self, cells=('sqlite',), api='sqlite', overrides=None):
        super().__init__()
        self.cell_backends = tuple(cells)
        self.api_backend = api
        self.overrides = dict(overrides or {})

    def _setUp(self):
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.conf = make_conf(self.state_path, self.overrides)
        api_db = self.useFixture(Database(self.api_backend, tree='api',
                                          directory=self.state_path,
                                          tag='api'))
        self.api_url = api_db.url
        self.conf.set_override('connection', self.api_url,
                               group='api_database')
        self.cells = []
        self.cell_urls = {}
        self.cell_databases = []
        for index, backend in enumerate(self.cell_backends, start=1):
            db = self.useFixture(Database(backend, tree='main',
                                          directory=self.state_path,
                                          tag='cell%d' % index))
            self.cell_databases.append(db)
            mapping = db_mappings.cell_mapping_create(self.admin_context(), {
                'name': 'cell%d' % index,
                'database_connection': db.url,
                'transport_url': 'none:///',
                'disabled': False})
            self.cells.append(mapping)
            self.cell_urls[mapping['uuid']] = db.url
        nf_cells.reset_cache()
        self.addCleanup(nf_cells.reset)

    # Contexts

    def cell(self, cell=None):
        """A cell mapping by index (0-based), name, uuid or mapping."""
        if cell is None:
            return self.cells[0]
        if isinstance(cell, dict):
            return cell
        if isinstance(cell, int):
            return self.cells[cell]
        for mapping in self.cells:
            if cell in (mapping['name'], mapping['uuid']):
                return mapping
        raise KeyError(cell)

    def _bind(self, ctx, cell):
        ctx.api_db = db_api.get_api_context_manager(self.conf)
        ctx.conf = self.conf
        if cell is not None:
            mapping = self.cell(cell)
            ctx.cell = db_api.get_context_manager(
                self.conf, mapping['database_connection'])
            ctx.cell_mapping = mapping
        return ctx

    def admin_context(self, cell=None, read_deleted='no'):
        """An admin context bound to the API database (and ``cell``)."""
        ctx = nf_context.get_admin_context(read_deleted=read_deleted)
        return self._bind(ctx, cell)

    def context(self, user_id='demo', project_id='demo',
                roles=('member', 'reader'), cell=None, **kwargs):
        """A user context bound to the API database (and ``cell``)."""
        ctx = nf_context.RequestContext(user_id=user_id,
                                        project_id=project_id,
                                        roles=list(roles), **kwargs)
        return self._bind(ctx, cell)

    def cell_context(self, cell=None, ctx=None):
        """``ctx`` (default: admin) bound to ``cell``'s database."""
        ctx = ctx or self.admin_context()
        return nf_cells.cell_context(ctx, self.cell(cell), conf=self.conf)

    def engine(self, cell=None, api=False):
        """The SQLAlchemy engine of a cell (or of the API database)."""
        url = self.api_url if api else self.cell(cell)['database_connection']
        return db_api.get_engine(db_api.get_context_manager(self.conf, url))

    # Test data

    def create_instance(self, cell=None, mapping=True, **values):
        """Create an instance in ``cell`` and its instance mapping.

        ``values`` are instances columns plus what
        :func:`nova_faults.db.instances.instance_create` accepts (``metadata``,
        ``system_metadata``, ``tags``, ``network_info``, ``flavor``, ...).
        A dict ``flavor`` is stored as Nova's JSON envelope. Defaults: a
        new uuid, project ``demo``, user ``demo``, ``vm_state`` active,
        ``power_state`` 1, display name ``server-<n>``. Returns the row.
        """
        values = dict(values)
        values.setdefault('uuid', uuidutils.generate_uuid())
        values.setdefault('project_id', 'demo')
        values.setdefault('user_id', 'demo')
        values.setdefault('vm_state', 'active')
        values.setdefault('power_state', 1)
        values.setdefault('display_name',
                          'server-%s' % values['uuid'][:8])
        values.setdefault('launch_index', 0)
        if isinstance(values.get('flavor'), dict):
            values['flavor'] = flavor_json(values['flavor'])
        deleted = values.pop('deleted', False)
        ctx = self.cell_context(cell)
        row = db_instances.instance_create(ctx, values)
        if deleted:
            db_instances.instance_destroy(ctx, row['uuid'])
            row = instance_obj.Instance.get_by_uuid(ctx, row['uuid'],
                                                    read_deleted='yes')
        if mapping:
            db_mappings.instance_mapping_create(self.admin_context(), {
                'instance_uuid': row['uuid'],
                'cell_uuid': self.cell(cell)['uuid'],
                'project_id': row['project_id'],
                'user_id': row['user_id'],
                'queued_for_delete': bool(deleted)})
        return row

    def create_service(self, cell=None, host_mapping=True, **values):
        """Create a service in a cell, and its host mapping.

        Create a service in ``cell`` (default binary ``nova-compute``,
        host ``compute-<n>``, last heartbeat now) and, for computes, the
        host mapping. Returns the row.
        """
        values = dict(values)
        values.setdefault('binary', 'nova-compute')
        values.setdefault('host', 'compute-%s' % uuidutils.generate_uuid()[:8])
        now = timeutils.utcnow()
        values.setdefault('report_count', 1)
        values.setdefault('last_seen_up', now)
        values.setdefault('updated_at', now)
        row = db_services.service_create(self.cell_context(cell), values)
        if host_mapping and values['binary'] == 'nova-compute':
            self.create_host_mapping(values['host'], cell)
        return row

    def create_host_mapping(self, host, cell=None):
        """Map ``host`` to ``cell`` (no-op when already mapped)."""
        ctx = self.admin_context()
        try:
            return db_mappings.host_mapping_get_by_host(ctx, host)
        except Exception:
            return db_mappings.host_mapping_create(ctx, host,
                                                   self.cell(cell)['uuid'])

    def create_instance_mapping(self, instance_uuid, cell=None,
                                project_id='demo', user_id='demo',
                                queued_for_delete=False):
        """An instance mapping only (``cell=False``: not scheduled)."""
        values = {'instance_uuid': instance_uuid, 'project_id': project_id,
                  'user_id': user_id, 'queued_for_delete': queued_for_delete}
        if cell is not False:
            values['cell_uuid'] = self.cell(cell)['uuid']
        return db_mappings.instance_mapping_create(self.admin_context(),
                                                   values)

    def create_request_spec(self, instance_uuid, **fields):
        """Store a Nova-shaped serialized RequestSpec for an instance."""
        return db_request_specs.request_spec_create(
            self.admin_context(), instance_uuid,
            request_spec_json(instance_uuid, **fields))

    def create_cell(self, backend='sqlite', name=None):
        """Add one more cell to the deployment; returns its mapping."""
        index = len(self.cells) + 1
        db = self.useFixture(Database(backend, tree='main',
                                      directory=self.state_path,
                                      tag='cell%d' % index))
        mapping = db_mappings.cell_mapping_create(self.admin_context(), {
            'name': name or 'cell%d' % index,
            'database_connection': db.url, 'transport_url': 'none:///',
            'disabled': False})
        self.cells.append(mapping)
        self.cell_urls[mapping['uuid']] = db.url
        nf_cells.reset_cache()
        return mapping


def flavor_json(flavor):
    """Nova's instance_extra.flavor JSON for a flavor dict.

    ``flavor`` holds Flavor fields (``flavorid``, ``name``, ``memory_mb``,
    ``vcpus``, ``root_gb``, ``ephemeral_gb``, ``swap``, ``extra_specs``,
    ...); sensible defaults fill the rest.
    """
    data = {'id': 1, 'name': 'm1.small', 'flavorid': '2', 'memory_mb': 2048,
            'vcpus': 1, 'root_gb': 20, 'ephemeral_gb': 0, 'swap': 0,
            'rxtx_factor': 1.0, 'vcpu_weight': 0, 'disabled': False,
            'is_public': True, 'extra_specs': {}, 'description': None}
    data.update(flavor)

    def envelope(values):
        return {'nova_object.name': 'Flavor',
                'nova_object.namespace': 'nova',
                'nova_object.version': '1.2',
                'nova_object.data': values}

    return json.dumps({'cur': envelope(data), 'old': None, 'new': None})


def request_spec_json(instance_uuid, project_id='demo', user_id='demo',
                      image_id=None, flavor=None, availability_zone=None,
                      instance_group=None):
    """A Nova-shaped serialized RequestSpec (request_specs.spec)."""
    data = {'instance_uuid': instance_uuid, 'project_id': project_id,
            'user_id': user_id, 'availability_zone': availability_zone,
            'num_instances': 1}
    if image_id is not None:
        data['image'] = {
            'nova_object.name': 'ImageMeta',
            'nova_object.namespace': 'nova',
            'nova_object.version': '1.8',
            'nova_object.data': {'id': image_id}}
    if flavor is not None:
        data['flavor'] = json.loads(flavor_json(flavor))['cur']
    if instance_group is not None:
        data['instance_group'] = {
            'nova_object.name': 'InstanceGroup',
            'nova_object.namespace': 'nova',
            'nova_object.version': '1.11',
            'nova_object.data': {'uuid': instance_group}}
    return json.dumps({'nova_object.name': 'RequestSpec',
                       'nova_object.namespace': 'nova',
                       'nova_object.version': '1.14',
                       'nova_object.data': data})


class QueryCounter(fixtures.Fixture):
    """Count the SQL statements run on some databases.

    ``QueryCounter(deployment)`` watches the API database and every cell;
    ``QueryCounter(engines=[...])`` given engines. ``count`` is the total
    of SELECT/INSERT/UPDATE/DELETE statements, ``statements`` their text;
    ``reset()`` starts again; ``by_database`` counts per engine URL, and
    ``transactions`` the transactions begun per engine URL.
    """

    _KINDS = ('select', 'insert', 'update', 'delete', 'with')

    def __init__(self, deployment=None, engines=None):
        super().__init__()
        self.deployment = deployment
        self.engines = list(engines or [])

    def _setUp(self):
        engines = list(self.engines)
        if self.deployment is not None:
            engines.append(self.deployment.engine(api=True))
            engines.extend(self.deployment.engine(cell)
                           for cell in self.deployment.cells)
        self._lock = threading.Lock()
        self.reset()
        for engine in engines:
            for event, listener in (
                    ('before_cursor_execute', self._listener(str(engine.url))),
                    ('begin', self._begin_listener(str(engine.url)))):
                sa.event.listen(engine, event, listener)
                self.addCleanup(sa.event.remove, engine, event, listener)

    def _listener(self, name):
        def count(conn, cursor, statement, parameters, context, many):
            if statement.lstrip().lower().startswith(self._KINDS):
                with self._lock:
                    self.statements.append(statement)
                    self.by_database[name] = self.by_database.get(
                        name, 0) + 1
        return count

    def _begin_listener(self, name):
        def begin(conn):
            with self._lock:
                self.transactions[name] = self.transactions.get(name, 0) + 1
        return begin

    def reset(self):
        self.statements = []
        self.by_database = {}
        self.transactions = {}

    @property
    def count(self):
        return len(self.statements)


# ---------------------------------------------------------------------------
# Private database servers and unreachable endpoints (down-cell tests)
# ---------------------------------------------------------------------------
#
# ``PrivatePostgreSQL`` and ``PrivateMariaDB`` start a database server of
# their own (a fresh data directory under a temporary directory, listening
# on 127.0.0.1 on a free port) so that a test can take it down and bring it
# back without touching the shared servers:
#
#     server = self.useFixture(PrivatePostgreSQL())   # started
#     url = server.create_database('cell_a', tree='main')  # migrated
#     server.stop()       # connections now refused
#     server.start()      # same data, same port
#     server.restart()    # stop + start (e.g. under load)
#
# ``server.url(database)`` gives a SQLAlchemy URL (PyMySQL for MariaDB,
# psycopg 3 for PostgreSQL), ``server.admin_url`` the server URL without a
# database, ``server.port`` the port, ``server.running`` the state. They
# start in a few seconds (PostgreSQL about 2 s, MariaDB about 4 s): start
# one per test class (``setUpClass`` + ``cleanUp`` in ``tearDownClass``,
# or a ``testresources``-style shared fixture), not one per test.
#
# The binaries are looked up on PATH and in the usual Debian/Ubuntu places
# (/usr/lib/postgresql/*/bin; /usr/sbin/mariadbd or mysqld with
# mariadb-install-db or mysql_install_db). When they are missing, or exist
# but the server cannot start, the test is skipped, or fails under
# NOVA_FAULTS_REQUIRE_BACKENDS=1 (CI). ``stop()`` checks that the server
# really stopped (pg_ctl's exit status, the server process's exit, the
# port refusing connections) and fails the test otherwise: an outage test
# must not pass without its outage. PostgreSQL refuses to run as root: when
# the tests run as root, its commands run as the ``postgres`` OS user
# (``runuser``) and the data directory is given to that user.
#
# ``HungListener`` is a TCP socket on 127.0.0.1 that accepts connections
# and never answers (a database that is up at the TCP level but hung);
# ``closed_port_url(backend)`` a URL whose port refuses connections;
# ``wrong_credentials_url(url)`` the same server with a user and password
# it does not know.

def _version_key(path):
    """Sort key: the numbers in a path (``.../16/bin`` after ``.../9``)."""
    return [int(part) for part in re.findall(r'\d+', path)]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _skip_or_fail(reason):
    if backends_required():
        raise AssertionError('%s and %s=1 requires it' % (reason,
                                                          REQUIRE_ENV))
    raise unittest.SkipTest(reason)


def port_refuses(port):
    """True when nothing accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=5):
            return False
    except OSError:
        return True


def _wait_for_port(port, timeout, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class _PrivateServer(fixtures.Fixture):
    """Common part of the private database servers."""

    backend = None
    driver = None
    user = None

    def __init__(self, port=None):
        super().__init__()
        self.port = port
        self.running = False
        #: Successful stops so far (each one checked).
        self.stops = 0

    @property
    def admin_url(self):
        return '%s://%s@127.0.0.1:%d' % (self.driver, self.user, self.port)

    def url(self, database=''):
        """A SQLAlchemy URL for ``database`` on this server."""
        return '%s/%s' % (self.admin_url, database)

    def _setUp(self):
        self.port = self.port or free_port()
        self.base = tempfile.mkdtemp(prefix='nf-%s-' % self.backend)
        self.addCleanup(shutil.rmtree, self.base, True)
        self._init()
        self.addCleanup(self._cleanup)
        self.start()

    def _cleanup(self):
        if self.running:
            self.stop()

    def restart(self):
        """Stop the server and start it again (same data, same port)."""
        self.stop()
        self.start()

    def create_database(self, name, tree=None):
        """Create ``name`` (migrated to ``tree`` if given); its URL."""
        engine = sa.create_engine(self.url(self._admin_database),
                                  isolation_level='AUTOCOMMIT',
                                  poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql('CREATE DATABASE %s' % name)
        finally:
            engine.dispose()
        url = self.url(name)
        if tree:
            migration.upgrade(url, tree)
        return url

    def _check(self, ok, what):
        if not ok:
            log = self._log_tail()
            _skip_or_fail('private %s server %s: %s' % (self.backend, what,
                                                        log))

    def _assert_stopped(self, ok, what):
        """Fail (never skip) when a stop did not stop the server."""
        if ok and not port_refuses(self.port):
            ok, what = False, 'still accepts connections after stop'
        if not ok:
            raise AssertionError('private %s server: %s: %s' % (
                self.backend, what, self._log_tail()))
        self.stops += 1


class PrivatePostgreSQL(_PrivateServer):
    """A PostgreSQL cluster of its own on 127.0.0.1 (trust auth)."""

    backend = 'postgresql'
    driver = 'postgresql+psycopg'
    user = 'postgres'
    _admin_database = 'postgres'

    @staticmethod
    def binaries():
        """The directory holding initdb and pg_ctl, or None.

        PATH first, then Debian's /usr/lib/postgresql/<version>/bin
        (newest version first) and the usual other places.
        """
        candidates = []
        on_path = shutil.which('pg_ctl')
        if on_path:
            candidates.append(os.path.dirname(os.path.realpath(on_path)))
        candidates += sorted(glob.glob('/usr/lib/postgresql/*/bin'),
                             key=_version_key, reverse=True)
        candidates += sorted(glob.glob('/usr/pgsql-*/bin'),
                             key=_version_key, reverse=True)
        candidates += ['/usr/local/pgsql/bin', '/usr/local/bin', '/usr/bin']
        for path in candidates:
            if all(os.access(os.path.join(path, name), os.X_OK)
                   for name in ('pg_ctl', 'initdb')):
                return path
        return None

    def _as_owner(self, argv):
        if os.geteuid() == 0:
            return ['runuser', '-u', 'postgres', '--'] + argv
        return argv

    def _run(self, argv, timeout=60):
        return subprocess.run(self._as_owner(argv), capture_output=True,
                              text=True, timeout=timeout, cwd=self.base)

    def _init(self):
        self.bindir = self.binaries()
        if self.bindir is None:
            _skip_or_fail('PostgreSQL server binaries (pg_ctl, initdb) not '
                          'found on PATH nor under /usr/lib/postgresql')
        if os.geteuid() == 0:
            import pwd
            owner = pwd.getpwnam('postgres')
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        self.datadir = os.path.join(self.base, 'data')
        self.logfile = os.path.join(self.base, 'postgresql.log')
        proc = self._run([os.path.join(self.bindir, 'initdb'), '-D',
                          self.datadir, '-A', 'trust', '-U', 'postgres',
                          '-E', 'UTF8', '--no-sync'])
        self._check(proc.returncode == 0, 'initdb failed (%s)'
                    % proc.stderr.strip()[-200:])

    def start(self):
        """Start the server and wait until it accepts connections."""
        options = ('-p %d -k %s -c listen_addresses=127.0.0.1 '
                   '-c fsync=off -c synchronous_commit=off '
                   '-c full_page_writes=off -c max_connections=200'
                   % (self.port, self.base))
        proc = self._run([os.path.join(self.bindir, 'pg_ctl'), '-D',
                          self.datadir, '-o', options, '-l', self.logfile,
                          '-w', '-t', '60', 'start'])
        self._check(proc.returncode == 0, 'did not start')
        self.running = True

    def stop(self, mode='fast'):
        """Stop the server (``fast``: end sessions; ``immediate``: crash).

        Fails the test when pg_ctl reports an error or the port still
        accepts connections.
        """
        proc = self._run([os.path.join(self.bindir, 'pg_ctl'), '-D',
                          self.datadir, '-m', mode, '-w', '-t', '60',
                          'stop'])
        self.running = False
        self._assert_stopped(proc.returncode == 0, 'pg_ctl stop exited %d '
                             '(%s)' % (proc.returncode,
                                       proc.stderr.strip()[-200:]))

    def _log_tail(self):
        try:
            with open(self.logfile) as log:
                return log.read()[-300:]
        except OSError:
            return 'no log'


class PrivateMariaDB(_PrivateServer):
    """A MariaDB server of its own on 127.0.0.1 (root, empty password)."""

    backend = 'mysql'
    driver = 'mysql+pymysql'
    user = 'root'
    _admin_database = ''

    @staticmethod
    def binaries():
        """(server, install-db) executables, or None.

        PATH first, then /usr/sbin, /usr/libexec, /usr/bin and
        /usr/local (Debian's /usr/sbin/mariadbd is not on a user's PATH);
        ``mysqld`` and ``mysql_install_db`` are the older names.
        """
        path = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin',
                                '/usr/libexec', '/usr/bin',
                                '/usr/local/sbin', '/usr/local/bin'])
        server = shutil.which('mariadbd', path=path) or shutil.which(
            'mysqld', path=path)
        install = shutil.which('mariadb-install-db', path=path) or (
            shutil.which('mysql_install_db', path=path))
        if server and install:
            return server, install
        return None

    def _init(self):
        binaries = self.binaries()
        if binaries is None:
            _skip_or_fail('MariaDB server binaries (mariadbd or mysqld, '
                          'mariadb-install-db or mysql_install_db) not found '
                          'on PATH nor in /usr/sbin')
        self.server_bin, install = binaries
        self.datadir = os.path.join(self.base, 'data')
        self.logfile = os.path.join(self.base, 'mariadb.log')
        self.process = None
        proc = subprocess.run(
            [install, '--no-defaults', '--datadir=' + self.datadir,
             '--user=root', '--auth-root-authentication-method=normal',
             '--skip-test-db'],
            capture_output=True, text=True, timeout=120, cwd=self.base)
        self._check(proc.returncode == 0, 'install failed (%s)'
                    % proc.stderr.strip()[-200:])

    def start(self):
        """Start the server and wait until it accepts connections."""
        log = open(self.logfile, 'ab')
        try:
            self.process = subprocess.Popen(
                [self.server_bin, '--no-defaults',
                 '--datadir=' + self.datadir, '--port=%d' % self.port,
                 '--bind-address=127.0.0.1',
                 '--socket=' + os.path.join(self.base, 'mysqld.sock'),
                 '--pid-file=' + os.path.join(self.base, 'mysqld.pid'),
                 '--user=root', '--skip-log-bin', '--skip-name-resolve',
                 '--innodb-flush-log-at-trx-commit=0',
                 '--innodb-buffer-pool-size=64M', '--max-connections=300'],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.base)
        finally:
            log.close()
        ok = _wait_for_port(self.port, 60, self.process)
        if ok:
            ok = self._ping(60)
        if not ok and self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
        self._check(ok, 'did not start')
        self.running = True

    def _ping(self, timeout):
        import pymysql
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                pymysql.connect(host='127.0.0.1', port=self.port, user='root',
                                password='', connect_timeout=2).close()
                return True
            except Exception:
                time.sleep(0.1)
        return False

    def stop(self, mode='fast'):
        """Stop the server (``fast``: SIGTERM; ``immediate``: SIGKILL).

        Fails the test when the server had already died, did not exit
        cleanly on SIGTERM (or by SIGKILL), or its port still accepts
        connections.
        """
        process, self.process = self.process, None
        self.running = False
        if process is None:
            return self._assert_stopped(False, 'never started')
        if process.poll() is not None:
            return self._assert_stopped(False, 'had died (exit status %s)'
                                        % process.returncode)
        expected = (-signal.SIGKILL if mode == 'immediate' else 0)
        process.send_signal(signal.SIGKILL if mode == 'immediate'
                            else signal.SIGTERM)
        try:
            status = process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            return self._assert_stopped(False, 'ignored SIGTERM for 60 s')
        self._assert_stopped(status == expected, 'exit status %s, expected '
                             '%s' % (status, expected))

    def _log_tail(self):
        try:
            with open(self.logfile, errors='replace') as log:
                return log.read()[-300:]
        except OSError:
            return 'no log'


class HungListener(fixtures.Fixture):
    """A TCP listener on 127.0.0.1 that accepts and never answers.

    ``port``; ``url(backend)`` a database URL pointing at it (the driver
    connects, then waits for a greeting that never comes). Accepted
    sockets are held open until cleanup; ``accepted`` counts them.
    """

    def _setUp(self):
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(512)
        self.port = self._sock.getsockname()[1]
        self._held = []
        self._closing = False
        self._thread = threading.Thread(target=self._accept, daemon=True,
                                        name='nova-faults-hung-listener')
        self._thread.start()
        self.addCleanup(self._close)

    @property
    def accepted(self):
        return len(self._held)

    def _accept(self):
        while not self._closing:
            try:
                conn, _addr = self._sock.accept()
            except OSError:
                return
            self._held.append(conn)

    def _close(self):
        self._closing = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        for conn in self._held:
            conn.close()
        self._thread.join(5)

    def url(self, backend='mysql', database='nf_hung'):
        if backend == 'postgresql':
            return 'postgresql+psycopg://postgres@127.0.0.1:%d/%s' % (
                self.port, database)
        return 'mysql+pymysql://root@127.0.0.1:%d/%s' % (
            self.port, database)


def closed_port_url(backend='mysql', database='nf_closed'):
    """A URL on 127.0.0.1 whose port refuses connections."""
    port = free_port()
    host = '127.0.0.1:%d' % port
    if backend == 'postgresql':
        return 'postgresql+psycopg://postgres@%s/%s' % (host, database)
    return 'mysql+pymysql://root@%s/%s' % (host, database)


def wrong_credentials_url(url, user='nf_nobody', password='wrong-secret'):
    """``url`` with a user and password the server does not accept."""
    parsed = sa.engine.make_url(url).set(username=user, password=password)
    return parsed.render_as_string(hide_password=False)


def add_cell(deployment, url, name=None, tree='main'):
    """Map a cell on ``url`` into ``deployment`` (migrating it if asked).

    For URLs the :class:`Deployment` did not create (private servers,
    unreachable endpoints: pass ``tree=None``). Returns the mapping.
    """
    if tree:
        migration.upgrade(url, tree)
    mapping = db_mappings.cell_mapping_create(deployment.admin_context(), {
        'name': name or 'cell%d' % (len(deployment.cells) + 1),
        'database_connection': url, 'transport_url': 'none:///',
        'disabled': False})
    deployment.cells.append(mapping)
    deployment.cell_urls[mapping['uuid']] = url
    nf_cells.reset_cache()
    return mapping
