"""NumPy arrays as Java MemorySegments, without copying, and keel's argument checks on them."""

import collections
import numpy as np
import jpype


def as_ndarray(name, value):
    """``value`` as an ndarray without copying: an ndarray, or a CPU torch tensor (``.numpy()``)."""
    if isinstance(value, np.ndarray):
        return value
    to_numpy = getattr(value, "numpy", None)
    if to_numpy is not None and callable(to_numpy):
        try:
            return to_numpy()
        except (RuntimeError, TypeError) as e:  # a GPU tensor, one that requires grad
            raise ValueError(f"{name} must be a CPU array, was {type(value).__name__}: {e}") from None
    raise ValueError(f"{name} must be a NumPy array, was {type(value).__name__}")


def check_array(name, a, dtype, shape):
    """Raises ValueError in keel's words unless ``a`` has ``dtype``, ``shape`` (None: any length
    on that axis), is C-contiguous and aligned."""
    if a.dtype != dtype:
        raise ValueError(f"{name} must have dtype {np.dtype(dtype).name}, was {a.dtype}")
    if len(a.shape) != len(shape) or any(want is not None and got != want for got, want in zip(a.shape, shape)):
        want = "(" + ", ".join("n" if w is None else str(w) for w in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want}, was {a.shape}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (row-major), was a strided view with strides {a.strides}; "
                         "np.ascontiguousarray copies it")
    if not a.flags.aligned:
        raise ValueError(f"{name} must be aligned to its dtype, was at address {a.ctypes.data:#x}")


class Segments:
    """MemorySegments over caller arrays, made once per buffer and reused.

    Making a segment allocates a small Java object, so a host loop that refills the same buffer
    (a pinned host buffer the GPU copies into) gets the same segment every call and the call
    allocates nothing. The cache holds the arrays it made segments for, which keeps their memory
    alive while a segment may point at it; it keeps the ``capacity`` most recently used buffers
    and ``clear()`` drops them.
    """

    def __init__(self, capacity=8):
        self._wrap = jpype.JClass("io.keel.bench.python.CallerMemory").wrap
        self._capacity = capacity
        self._by_address = collections.OrderedDict()
        self._last = None
        self._last_segment = None

    def of(self, a):
        if a is self._last:
            return self._last_segment
        key = (a.__array_interface__["data"][0], a.nbytes)
        hit = self._by_address.get(key)
        if hit is None:
            if len(self._by_address) >= self._capacity:
                self._by_address.popitem(last=False)  # the least recently used buffer
            hit = (a, self._wrap(key[0], key[1]))
            self._by_address[key] = hit
        else:
            self._by_address.move_to_end(key)
        self._last = a
        self._last_segment = hit[1]
        return hit[1]

    def clear(self):
        self._by_address.clear()
        self._last = None
        self._last_segment = None


def segment(a):
    """A segment over ``a``'s buffer (the caller keeps ``a`` alive while the segment is used)."""
    return jpype.JClass("io.keel.bench.python.CallerMemory").wrap(a.__array_interface__["data"][0], a.nbytes)


def keel_error(e):
    """keel's IllegalArgumentException as a Python ValueError with its message."""
    return ValueError(str(e.getMessage()))


INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1


def as_int(name, value, lo=-(2**31), hi=INT_MAX):
    """``value`` for an integer argument of keel's: a Python int or NumPy integer (not a bool, a
    float or a string) in ``[lo, hi]``; ValueError otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, was {type(value).__name__}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], was {v}")
    return v


def check_output(name, a, dtype, shape):
    """As ``check_array`` for an array keel writes into: also a NumPy array, and writeable."""
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array, was {type(a).__name__}")
    check_array(name, a, dtype, shape)
    if not a.flags.writeable:
        raise ValueError(f"{name} must be writeable, was a read-only array")


def construct(java_class, *args):
    """``java_class(*args)``: keel's IllegalArgumentException as ValueError, and a capacity the
    JVM's heap cannot hold as MemoryError (not a raw java.lang.OutOfMemoryError)."""
    try:
        return java_class(*args)
    except jpype.JClass("java.lang.IllegalArgumentException") as e:
        raise keel_error(e) from None
    except jpype.JClass("java.lang.OutOfMemoryError") as e:
        raise MemoryError(f"capacities {args} need more than the JVM's heap: {e.getMessage()}") from None
