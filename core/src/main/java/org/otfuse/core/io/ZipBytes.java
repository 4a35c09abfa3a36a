package org.otfuse.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A zip archive held in memory, read through its central directory (what PyTorch's and
 * NumPy's readers do too): stored and deflated entries, ZIP64, entries in any order, local
 * headers with padding extras (PyTorch aligns data to 64 bytes). Every entry's CRC-32 is checked
 * when its data is taken. {@link java.util.zip.ZipFile} needs a local file and
 * {@link java.util.zip.ZipInputStream} cannot skip to an entry or read stored entries written
 * with data descriptors, hence this small reader for files that come from any Hadoop file system.
 */
final class ZipBytes {

  /** One central-directory entry. */
  record Entry(String name, int method, long crc, long compressedSize, long size, long localHeaderOffset) {
    boolean isDirectory() {
      return name.endsWith("/");
    }
  }

  private static final int LOCAL = 0x04034b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int END = 0x06054b50;
  private static final int END64 = 0x06064b50;
  private static final int END64_LOCATOR = 0x07064b50;
  private static final long U32 = 0xffffffffL;

  private final byte[] bytes;
  private final ByteBuffer buf;
  private final String source;
  private final Map<String, Entry> entries;

  private ZipBytes(byte[] bytes, String source, Map<String, Entry> entries) {
    this.bytes = bytes;
    this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    this.source = source;
    this.entries = Collections.unmodifiableMap(entries);
  }

  /** Whether {@code bytes} start like a zip archive (a local header or an empty archive's end record). */
  static boolean looksLikeZip(byte[] bytes) {
    return bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K'
        && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6));
  }

  /**
   * Reads the central directory of the archive in {@code bytes} (not modified, not copied).
   *
   * @throws TensorFormatException naming {@code source} when there is no complete central directory
   */
  static ZipBytes open(byte[] bytes, String source) throws TensorFormatException {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int end = -1;
    for (int i = bytes.length - 22; i >= 0 && i >= bytes.length - 22 - 0xffff; i--) {
      if (b.getInt(i) == END && i + 22 + (b.getShort(i + 20) & 0xffff) <= bytes.length) {
        end = i;
        break;
      }
    }
    if (end < 0) {
      throw new TensorFormatException(source, "truncated or corrupt zip archive: no end-of-central-directory"
          + " record in its " + bytes.length + " bytes");
    }
    long count = b.getShort(end + 10) & 0xffff;
    long cdSize = b.getInt(end + 12) & U32;
    long cdOffset = b.getInt(end + 16) & U32;
    if (end >= 20 && b.getInt(end - 20) == END64_LOCATOR) {
      long end64 = b.getLong(end - 12);
      if (end64 < 0 || end64 + 56 > end || b.getInt((int) end64) != END64) {
        throw new TensorFormatException(source, "corrupt zip archive: bad ZIP64 end-of-central-directory record");
      }
      count = b.getLong((int) end64 + 32);
      cdSize = b.getLong((int) end64 + 40);
      cdOffset = b.getLong((int) end64 + 48);
    }
    if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > end) {
      throw new TensorFormatException(source, "truncated or corrupt zip archive: the central directory at "
          + cdOffset + " (" + cdSize + " bytes) lies outside the file's " + bytes.length + " bytes");
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    int p = (int) cdOffset;
    for (long k = 0; k < count; k++) {
      if (p + 46 > end || b.getInt(p) != CENTRAL) {
        throw new TensorFormatException(source, "corrupt zip archive: central directory entry " + k
            + " of " + count + " is damaged");
      }
      int method = b.getShort(p + 10) & 0xffff;
      long crc = b.getInt(p + 16) & U32;
      long csize = b.getInt(p + 20) & U32;
      long usize = b.getInt(p + 24) & U32;
      int nameLen = b.getShort(p + 28) & 0xffff;
      int extraLen = b.getShort(p + 30) & 0xffff;
      int commentLen = b.getShort(p + 32) & 0xffff;
      long offset = b.getInt(p + 42) & U32;
      if (p + 46 + nameLen + extraLen > end) {
        throw new TensorFormatException(source, "corrupt zip archive: central directory entry " + k
            + " runs past the directory");
      }
      String name = new String(bytes, p + 46, nameLen, StandardCharsets.UTF_8);
      int x = p + 46 + nameLen;
      int xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        int id = b.getShort(x) & 0xffff;
        int len = b.getShort(x + 2) & 0xffff;
        if (id == 1) {
          int q = x + 4;
          if (usize == U32 && q + 8 <= x + 4 + len) {
            usize = b.getLong(q);
            q += 8;
          }
          if (csize == U32 && q + 8 <= x + 4 + len) {
            csize = b.getLong(q);
            q += 8;
          }
          if (offset == U32 && q + 8 <= x + 4 + len) {
            offset = b.getLong(q);
          }
        }
        x += 4 + len;
      }
      entries.put(name, new Entry(name, method, crc, csize, usize, offset));
      p += 46 + nameLen + extraLen + commentLen;
    }
    return new ZipBytes(bytes, source, entries);
  }

  /** The entries in central-directory order. */
  List<Entry> entries() {
    return new ArrayList<>(entries.values());
  }

  /** The entry called {@code name}, or null. */
  Entry entry(String name) {
    return entries.get(name);
  }

  /**
   * The uncompressed content of {@code e}, its CRC-32 checked: a read-only view of the archive's
   * bytes for a stored entry, a fresh buffer for a deflated one. Little-endian, position 0.
   */
  ByteBuffer data(Entry e) throws TensorFormatException {
    long lh = e.localHeaderOffset();
    if (lh < 0 || lh + 30 > bytes.length || buf.getInt((int) lh) != LOCAL) {
      throw new TensorFormatException(source, "zip entry " + e.name() + " is truncated or corrupt: no local"
          + " header at offset " + lh + " (the file has " + bytes.length + " bytes)");
    }
    long start = lh + 30 + (buf.getShort((int) lh + 26) & 0xffff) + (buf.getShort((int) lh + 28) & 0xffff);
    if (start + e.compressedSize() > bytes.length) {
      throw new TensorFormatException(source, "zip entry " + e.name() + " is truncated: it needs "
          + e.compressedSize() + " bytes at offset " + start + " but the file has " + bytes.length);
    }
    byte[] arr;
    int off;
    int len;
    if (e.method() == 0) {
      if (e.compressedSize() != e.size()) {
        throw new TensorFormatException(source, "zip entry " + e.name() + " is corrupt: stored with "
            + e.compressedSize() + " bytes but declares " + e.size());
      }
      arr = bytes;
      off = (int) start;
      len = (int) e.size();
    } else if (e.method() == 8) {
      if (e.size() > Integer.MAX_VALUE - 8) {
        throw new TensorFormatException(source, "zip entry " + e.name() + " is too large (" + e.size() + " bytes)");
      }
      arr = new byte[(int) e.size()];
      off = 0;
      len = arr.length;
      Inflater inf = new Inflater(true);
      try {
        inf.setInput(bytes, (int) start, (int) e.compressedSize());
        int n = 0;
        while (n < len && !inf.finished()) {
          int got = inf.inflate(arr, n, len - n);
          if (got == 0 && (inf.needsInput() || inf.needsDictionary())) {
            break;
          }
          n += got;
        }
        if (n != len) {
          throw new TensorFormatException(source, "zip entry " + e.name() + " is truncated or corrupt: it"
              + " inflates to " + n + " bytes but declares " + len);
        }
      } catch (DataFormatException ex) {
        throw new TensorFormatException(source, "zip entry " + e.name() + " is corrupt: " + ex.getMessage(), ex);
      } finally {
        inf.end();
      }
    } else {
      throw new TensorFormatException(source, "zip entry " + e.name() + " uses compression method "
          + e.method() + " (supported: 0 stored, 8 deflated)");
    }
    CRC32 crc = new CRC32();
    crc.update(arr, off, len);
    if (crc.getValue() != e.crc()) {
      throw new TensorFormatException(source, "zip entry " + e.name() + " is corrupt: CRC-32 "
          + Long.toHexString(crc.getValue()) + " but the directory says " + Long.toHexString(e.crc()));
    }
    return ByteBuffer.wrap(arr, off, len).slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The content of {@code e} as a byte array (a copy for stored entries). */
  byte[] bytes(Entry e) throws TensorFormatException {
    ByteBuffer d = data(e);
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
