"""Adapters, converters and the PEP 249 type objects, as in ``sqlite3``."""

import datetime
import time

PARSE_DECLTYPES = 1
PARSE_COLNAMES = 2


class PrepareProtocol:
    """The protocol object adapters are registered for (``sqlite3.PrepareProtocol``)."""


adapters = {}
converters = {}


def register_adapter(type_, adapter):
    """Bind values of exactly ``type_`` as ``adapter(value)``."""
    adapters[(type_, PrepareProtocol)] = adapter


def register_converter(typename, converter):
    """Convert columns declared (or named ``[typename]``) as ``typename``;
    ``converter`` receives ``bytes``. Names are case-insensitive."""
    converters[typename.upper()] = converter


def adapt(obj, proto=PrepareProtocol, alt=None):
    """Adapt ``obj`` for binding: a registered adapter, else ``__conform__``,
    else ``obj`` itself (the caller then refuses unsupported types)."""
    adapter = adapters.get((type(obj), proto))
    if adapter is not None:
        return adapter(obj)
    conform = getattr(type(obj), "__conform__", None)
    if conform is not None:
        adapted = conform(obj, proto)
        if adapted is not None:
            return adapted
    return obj if alt is None else alt


def _adapt_for_binding(obj):
    return adapt(obj)


# The defaults sqlite3 registers (deprecated there since 3.12, kept for code
# written against it).
def _adapt_date(val):
    return val.isoformat()


def _adapt_datetime(val):
    return val.isoformat(" ")


def _convert_date(val):
    return datetime.date(*map(int, val.split(b"-")))


def _convert_timestamp(val):
    datepart, timepart = val.split(b" ")
    year, month, day = map(int, datepart.split(b"-"))
    timepart_full = timepart.split(b".")
    hours, minutes, seconds = map(int, timepart_full[0].split(b":"))
    if len(timepart_full) == 2:
        microseconds = int("{:0<6.6}".format(timepart_full[1].decode()))
    else:
        microseconds = 0
    return datetime.datetime(year, month, day, hours, minutes, seconds, microseconds)


register_adapter(datetime.date, _adapt_date)
register_adapter(datetime.datetime, _adapt_datetime)
register_converter("date", _convert_date)
register_converter("timestamp", _convert_timestamp)

# PEP 249 constructors and type objects.
Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime
Binary = memoryview


def DateFromTicks(ticks):
    """A date from a POSIX timestamp."""
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks):
    """A time from a POSIX timestamp."""
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks):
    """A datetime from a POSIX timestamp."""
    return Timestamp(*time.localtime(ticks)[:6])


class _DBAPITypeObject:
    def __init__(self, *values):
        self.values = frozenset(values)

    def __eq__(self, other):
        return other in self.values

    def __hash__(self):
        return hash(self.values)


STRING = _DBAPITypeObject("TEXT")
BINARY = _DBAPITypeObject("BLOB")
NUMBER = _DBAPITypeObject("INTEGER", "REAL")
DATETIME = _DBAPITypeObject("TIMESTAMP")
ROWID = _DBAPITypeObject("ROWID")


def _as_bytes(value):
    """A column value as the bytes a converter receives (SQLite's text form)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, float):
        text = format(value, ".15g")
        if "." not in text and "e" not in text and "n" not in text:
            text += ".0"
        return text.encode()
    return str(value).encode()


def column_converters(columns, detect_types):
    """Per-column converters (``None`` where there is none), and the
    description names."""
    names = []
    convs = []
    for name, decltype in columns:
        conv = None
        shown = name
        if detect_types & PARSE_COLNAMES:
            start = name.find("[")
            if start != -1:
                end = name.find("]", start)
                if end != -1:
                    conv = converters.get(name[start + 1 : end].upper())
                shown = name[:start].rstrip()
        if conv is None and detect_types & PARSE_DECLTYPES and decltype:
            key = decltype.split("(")[0].strip().split(" ")[0]
            conv = converters.get(key.upper())
        names.append(shown)
        convs.append(conv)
    if not any(c is not None for c in convs):
        convs = None
    return names, convs


def convert_rows(rows, convs):
    """Apply converters to a list of row tuples."""
    out = []
    for row in rows:
        out.append(
            tuple(
                v if (c is None or v is None) else c(_as_bytes(v))
                for v, c in zip(row, convs)
            )
        )
    return out
