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

"""A small record type, lighter to import than dataclasses.

The tracer is a command whose start-up time counts against ``grep``;
``dataclasses`` pulls in ``inspect`` and more. A :class:`Struct` subclass
lists its fields in ``__slots__`` and their defaults in ``_defaults``.
"""


class Struct:
    """Fields from ``__slots__``, set by position or keyword."""

    __slots__ = ()
    _defaults = {}

    def __init__(self, *args, **kwargs):
        names = self.__slots__
        if len(args) > len(names):
            raise TypeError('%s takes at most %d arguments'
                            % (type(self).__name__, len(names)))
        for name, value in zip(names, args):
            setattr(self, name, value)
        for name in names[len(args):]:
            if name in kwargs:
                setattr(self, name, kwargs.pop(name))
            elif name in self._defaults:
                setattr(self, name, self._defaults[name])
            else:
                raise TypeError('%s: missing %s' % (type(self).__name__,
                                                    name))
        if kwargs:
            raise TypeError('%s: unknown %s' % (type(self).__name__,
                                                ', '.join(sorted(kwargs))))

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__, ', '.join(
            '%s=%r' % (n, getattr(self, n)) for n in self.__slots__))
