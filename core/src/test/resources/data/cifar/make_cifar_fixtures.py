#!/usr/bin/python3
"""Writes tiny CIFAR-10 and CIFAR-100 look-alikes in every layout the CIFAR authors publish, for CifarTest.

Run with Debian's python3 and numpy 1.24, from this directory:

    /usr/bin/python3 make_cifar_fixtures.py

Nothing is random: pixels and labels come from the formulas below, which CifarTest repeats in
Java, so a rerun rewrites identical files (the .tar.gz archives too: fixed mtimes, no gzip
timestamp).

Pixel k (0..3071; k // 1024 is the channel R, G, B; k % 1024 is row*32 + col) of image i of batch b:
    pixel(seed, b, i, k) = (seed + 37*i + 101*b + 11*k + 50*(k // 1024) + (k*k) % 13) % 256
with seed 0 for CIFAR-10 and 7 for CIFAR-100; b = 1..5 for the CIFAR-10 training batches,
1 for the CIFAR-100 training file and 0 for every test file.
Labels of image i of batch b:
    CIFAR-10:  (3*i + b) % 10
    CIFAR-100: fine (7*i + 13*b + 5) % 100, coarse (3*fine) % 20
Sizes: CIFAR-10 training batches 2 images each, CIFAR-10 test 3; CIFAR-100 train 4, test 3.

The layouts (directory per layout, each a valid --data-dir):
  bin/cifar-10-batches-bin/   data_batch_1.bin .. data_batch_5.bin, test_batch.bin, batches.meta.txt:
                              records of <1 label byte><3072 pixel bytes>, as on the CIFAR page
  bin/cifar-100-binary/       train.bin, test.bin, fine/coarse_label_names.txt:
                              records of <1 coarse byte><1 fine byte><3072 pixel bytes>
  py2/cifar-10-batches-py/    data_batch_1 .. data_batch_5, test_batch, batches.meta
  py2/cifar-100-python/       train, test, meta
      The authors wrote these with Python 2's cPickle in a binary protocol (the CIFAR page says
      cPickle; the file sizes rule out text protocol 0; protocol 2 here, protocol 1 in
      py2-protocol1/): a dict with Python 2 str keys
      (pickled as SHORT_BINSTRING), b'data' a numpy uint8 array reduced through
      numpy.core.multiarray._reconstruct whose raw bytes are a BINSTRING, labels a list of ints.
      Python 3's pickle cannot write Python 2 str any more, so Py2StrPickler below (the pure-Python
      pickler with str and bytes written as Python 2 str) reproduces that opcode stream from real
      numpy arrays; the script checks that Python 3 reads it back as the CIFAR page says, with
      pickle.load(f, encoding='bytes') (bytes keys) and with encoding='latin1' (str keys).
  archives/cifar-10-binary.tar.gz, cifar-10-python.tar.gz, cifar-100-binary.tar.gz,
  cifar-100-python.tar.gz     the official archive names and member paths, written by Python's
                              tarfile in GNU format (as GNU tar wrote the originals), members in a
                              shuffled order, plus one member with a 130-character name (a GNU
                              long-name record) that the reader must skip
  archives-pax/cifar-10-binary.tar.gz   the same members in POSIX pax format with a long member name
  py2-protocol1/cifar-10-batches-py/test_batch   the Python 2 style at protocol 1 (cPickle's binary
                              protocol before 2: no PROTO opcode, tuples with MARK, booleans as INT)
  py3-protocol2/, py3-protocol4/, py3-protocol5/   cifar-10-batches-py/test_batch only, written by
                              Python 3's pickle.dump(..., protocol=N) with bytes keys (protocol 2
                              reduces bytes to _codecs.encode(str, 'latin1'); 4 uses BINBYTES;
                              5 reduces arrays to numpy.core.numeric._frombuffer over a BYTEARRAY8)
  py3-fortran/                cifar-10-batches-py/test_batch with a Fortran-ordered data array,
                              protocol 4 (the state's is_fortran flag is True)
"""
import io
import os
import pickle
import struct
import tarfile
import gzip

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
C10_TRAIN, C10_TEST, C100_TRAIN, C100_TEST = 2, 3, 4, 3


def pixels(seed, b, n):
    i = np.arange(n, dtype=np.int64)[:, None]
    k = np.arange(3072, dtype=np.int64)[None, :]
    return ((seed + 37 * i + 101 * b + 11 * k + 50 * (k // 1024) + (k * k) % 13) % 256).astype(np.uint8)


def c10_labels(b, n):
    return [(3 * i + b) % 10 for i in range(n)]


def c100_labels(b, n):
    fine = [(7 * i + 13 * b + 5) % 100 for i in range(n)]
    return fine, [(3 * f) % 20 for f in fine]


class Py2StrPickler(pickle._Pickler):
    """Protocol 2 as Python 2's cPickle wrote it: every str and bytes as a Python 2 str."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        b = obj if isinstance(obj, bytes) else obj.encode('ascii')
        if len(b) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(b)]) + b)
        else:
            self.write(pickle.BINSTRING + struct.pack('<i', len(b)) + b)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_py2_str


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def py2_pickle(obj, protocol=2):
    buf = io.BytesIO()
    Py2StrPickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue()


def check_py2(blob, expected):
    """Python 3 reads the Python 2 style pickle as the CIFAR page documents."""
    as_bytes = pickle.loads(blob, encoding='bytes')
    as_latin1 = pickle.loads(blob, encoding='latin1')
    for k, v in expected.items():
        got_b, got_s = as_bytes[k.encode()], as_latin1[k]
        if isinstance(v, np.ndarray):
            assert got_b.dtype == np.uint8 and np.array_equal(got_b, v), k
            assert np.array_equal(got_s, v), k
        elif k in ('labels', 'fine_labels', 'coarse_labels'):
            assert got_b == v and got_s == v, k


def c10_dict(keys_bytes, batch_label, data, labels, names):
    d = {'batch_label': batch_label, 'labels': labels, 'data': data, 'filenames': names}
    if keys_bytes:
        d = {k.encode(): (v.encode() if isinstance(v, str) else
                          [x.encode() for x in v] if k == 'filenames' else v) for k, v in d.items()}
    return d


def main():
    c10_meta = {'num_cases_per_batch': 10000, 'label_names': ['airplane', 'automobile', 'bird', 'cat',
                'deer', 'dog', 'frog', 'horse', 'ship', 'truck'], 'num_vis': 3072}
    members = {}  # archive name -> list of (member path, bytes)

    # CIFAR-10: binary and Python 2 pickles.
    c10_bin, c10_py = [], []
    for b, name, n in [(1, 'data_batch_1', C10_TRAIN), (2, 'data_batch_2', C10_TRAIN),
                       (3, 'data_batch_3', C10_TRAIN), (4, 'data_batch_4', C10_TRAIN),
                       (5, 'data_batch_5', C10_TRAIN), (0, 'test_batch', C10_TEST)]:
        x, y = pixels(0, b, n), c10_labels(b, n)
        rec = b''.join(bytes([y[i]]) + x[i].tobytes() for i in range(n))
        c10_bin.append(('cifar-10-batches-bin/' + name + '.bin', rec))
        batch_label = ('training batch %d of 5' % b) if b else 'testing batch 1 of 1'
        d = c10_dict(False, batch_label, x, y, ['img_%d_%d.png' % (b, i) for i in range(n)])
        blob = py2_pickle(d)
        check_py2(blob, d)
        c10_py.append(('cifar-10-batches-py/' + name, blob))
        if name == 'test_batch':
            blob1 = py2_pickle(d, protocol=1)
            check_py2(blob1, d)
            write(os.path.join(HERE, 'py2-protocol1', 'cifar-10-batches-py', name), blob1)
            for proto in (2, 4, 5):
                write(os.path.join(HERE, 'py3-protocol%d' % proto, 'cifar-10-batches-py', name),
                      pickle.dumps(c10_dict(True, batch_label, x, y, d['filenames']), protocol=proto))
            fortran = np.asfortranarray(x)
            assert fortran.__reduce__()[2][3] is True
            write(os.path.join(HERE, 'py3-fortran', 'cifar-10-batches-py', name),
                  pickle.dumps(c10_dict(True, batch_label, fortran, y, d['filenames']), protocol=4))
    c10_bin.append(('cifar-10-batches-bin/batches.meta.txt', ('\n'.join(c10_meta['label_names']) + '\n').encode()))
    c10_py.append(('cifar-10-batches-py/batches.meta', py2_pickle(c10_meta)))
    c10_py.append(('cifar-10-batches-py/readme.html', b'<meta HTTP-EQUIV="REFRESH" content="0; url=http://www.cs.toronto.edu/~kriz/cifar.html">\n'))

    # CIFAR-100.
    c100_bin, c100_py = [], []
    for b, name, n in [(1, 'train', C100_TRAIN), (0, 'test', C100_TEST)]:
        x = pixels(7, b, n)
        fine, coarse = c100_labels(b, n)
        rec = b''.join(bytes([coarse[i], fine[i]]) + x[i].tobytes() for i in range(n))
        c100_bin.append(('cifar-100-binary/' + name + '.bin', rec))
        d = {'filenames': ['f_%d.png' % i for i in range(n)], 'batch_label': name + 'ing batch 1 of 1',
             'fine_labels': fine, 'coarse_labels': coarse, 'data': x}
        blob = py2_pickle(d)
        check_py2(blob, d)
        c100_py.append(('cifar-100-python/' + name, blob))
    c100_bin.append(('cifar-100-binary/fine_label_names.txt', b'apple\naquarium_fish\n'))
    c100_bin.append(('cifar-100-binary/coarse_label_names.txt', b'aquatic_mammals\nfish\n'))
    c100_py.append(('cifar-100-python/meta', py2_pickle({'fine_label_names': ['apple'], 'coarse_label_names': ['fish']})))

    for layout, entries in [('bin', c10_bin + c100_bin), ('py2', c10_py + c100_py)]:
        for path, data in entries:
            write(os.path.join(HERE, layout, path), data)
    members = {'cifar-10-binary.tar.gz': c10_bin, 'cifar-10-python.tar.gz': c10_py,
               'cifar-100-binary.tar.gz': c100_bin, 'cifar-100-python.tar.gz': c100_py}
    for archive, entries in members.items():
        write_tar_gz(os.path.join(HERE, 'archives', archive), entries, tarfile.GNU_FORMAT)
    write_tar_gz(os.path.join(HERE, 'archives-pax', 'cifar-10-binary.tar.gz'), c10_bin, tarfile.PAX_FORMAT)


def write_tar_gz(path, entries, fmt):
    # Directory first, then the files in a fixed shuffled order, and a long-named extra member.
    order = sorted(entries, key=lambda e: (len(e[0]) * 7919 + sum(e[0].encode())) % 97)
    folder = entries[0][0].split('/')[0]
    long_name = folder + '/' + 'x' * (125 - len(folder)) + '.txt'
    assert len(long_name) == 130
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=fmt) as tar:
        d = tarfile.TarInfo(folder)
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 1244000000
        tar.addfile(d)
        for name, data in order[:2] + [(long_name, b'a member with a long name\n')] + order[2:]:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1244000000
            tar.addfile(info, io.BytesIO(data))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        with gzip.GzipFile(filename='', mode='wb', fileobj=f, mtime=0) as gz:
            gz.write(raw.getvalue())
    with tarfile.open(path, 'r:gz') as check:
        assert sorted(m.name for m in check.getmembers() if m.isfile()) == sorted(
            [e[0] for e in entries] + [long_name])


if __name__ == '__main__':
    main()
