package org.otfuse.core.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.io.TensorFormatException;

/**
 * Reads members of a gzip-compressed tar archive ({@code .tar.gz}) from any Hadoop path, streaming:
 * 512-byte ustar headers (checksum verified; octal or base-256 sizes; POSIX {@code prefix}), GNU
 * long names ({@code L}) and pax extended headers ({@code x}: {@code path}, {@code size}), as GNU tar
 * and Python's tarfile write them. Directories, links and other special members are skipped.
 *
 * <p>The whole archive is always read, so that gzip's CRC-32 and length trailer are checked even
 * when the wanted members come first. Errors name the archive, and the member when there is one:
 * {@code archive!/member}.
 */
final class TarGz {
  private static final int BLOCK = 512;

  private TarGz() {}

  /** How errors name a member of an archive. */
  static String memberSource(String archive, String member) {
    return archive + "!/" + member;
  }

  /**
   * The content of the regular-file members of {@code archive} whose paths (without a leading
   * {@code ./}) are in {@code wanted}.
   *
   * @return member path to content, in {@code wanted}'s iteration order
   * @throws TensorFormatException when the archive is not gzip, is truncated or corrupt, or lacks a
   *     wanted member
   */
  static Map<String, byte[]> read(String archive, Collection<String> wanted) throws IOException {
    Set<String> want = new LinkedHashSet<>(wanted);
    Map<String, byte[]> found = new LinkedHashMap<>();
    List<String> seen = new ArrayList<>();
    String current = null;
    try (InputStream raw = new BufferedInputStream(HadoopPaths.open(archive), 1 << 16)) {
      raw.mark(2);
      int m0 = raw.read();
      int m1 = raw.read();
      raw.reset();
      if (m0 != 0x1f || m1 != 0x8b) {
        throw new TensorFormatException(archive, "not a gzip file (a .tar.gz archive starts with 1f 8b)");
      }
      GZIPInputStream in = new GZIPInputStream(raw, 1 << 16);
      byte[] header = new byte[BLOCK];
      long offset = 0;
      String longName = null;
      String paxPath = null;
      long paxSize = -1;
      while (true) {
        current = null;
        int got = in.readNBytes(header, 0, BLOCK);
        if (got == 0) {
          break; // no end-of-archive blocks: tolerated, as GNU tar and Python's tarfile do
        }
        if (got < BLOCK) {
          throw new TensorFormatException(archive, "truncated tar archive: a header at offset " + offset
              + " has only " + got + " of its 512 bytes");
        }
        if (isZero(header)) {
          break;
        }
        checkChecksum(header, archive, offset);
        String name = longName != null ? longName : paxPath != null ? paxPath : headerName(header);
        long size = paxSize >= 0 ? paxSize : number(header, 124, 12, archive, offset, "size");
        char type = (char) (header[156] & 0xff);
        longName = null;
        if (type != 'x') {
          paxPath = null;
          paxSize = -1;
        }
        offset += BLOCK;
        if (size < 0) {
          throw new TensorFormatException(archive, "corrupt tar header at offset " + (offset - BLOCK)
              + ": negative size " + size);
        }
        current = normalise(name);
        long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
        if (type == 'L' || type == 'x') {
          byte[] ext = readMember(in, size, archive, current);
          skip(in, padded - size, archive, current);
          if (type == 'L') {
            longName = cString(ext, 0, ext.length);
          } else {
            Map<String, String> pax = parsePax(ext, archive, offset - BLOCK);
            paxPath = pax.get("path");
            if (pax.containsKey("size")) {
              try {
                paxSize = Long.parseLong(pax.get("size"));
              } catch (NumberFormatException e) {
                throw new TensorFormatException(archive, "corrupt pax header at offset " + (offset - BLOCK)
                    + ": size " + pax.get("size"));
              }
            }
          }
        } else if ((type == '0' || type == '\0' || type == '7') && want.contains(current)) {
          found.put(current, readMember(in, size, archive, current));
          seen.add(current);
          skip(in, padded - size, archive, current);
        } else {
          if (type == '0' || type == '\0' || type == '7') {
            seen.add(current);
          }
          skip(in, padded, archive, current);
        }
        offset += padded;
      }
      current = null;
      in.transferTo(OutputStream.nullOutputStream()); // reach gzip's trailer: CRC-32 and length checked
    } catch (EOFException | ZipException e) {
      throw new TensorFormatException(current == null ? archive : memberSource(archive, current),
          "truncated or corrupt gzip data" + (current == null ? "" : " inside this member") + ": "
          + (e.getMessage() != null ? e.getMessage()
              : e instanceof EOFException ? "the gzip stream ends early" : e.toString()), e);
    }
    List<String> missing = new ArrayList<>();
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String w : want) {
      if (found.containsKey(w)) {
        out.put(w, found.get(w));
      } else {
        missing.add(w);
      }
    }
    if (!missing.isEmpty()) {
      throw new TensorFormatException(archive, "has no member " + String.join(", ", missing)
          + " (its files: " + (seen.size() > 20 ? seen.subList(0, 20) + "..." : seen) + ")");
    }
    return out;
  }

  private static byte[] readMember(InputStream in, long size, String archive, String member) throws IOException {
    if (size > Integer.MAX_VALUE - 8) {
      throw new TensorFormatException(memberSource(archive, member), "member of " + size
          + " bytes is too large to read into memory");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new TensorFormatException(memberSource(archive, member), "truncated: the header says " + size
          + " bytes but the archive ends after " + data.length);
    }
    return data;
  }

  private static void skip(InputStream in, long n, String archive, String member) throws IOException {
    long left = n;
    byte[] buf = new byte[8192];
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new TensorFormatException(memberSource(archive, member), "truncated: the archive ends "
            + left + " bytes before the end of this member's data");
      }
      left -= r;
    }
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  /** ustar checksum: the sum of the header's bytes with the checksum field taken as spaces. */
  private static void checkChecksum(byte[] h, String archive, long offset) throws TensorFormatException {
    long stored = number(h, 148, 8, archive, offset, "checksum");
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int v = (i >= 148 && i < 156) ? ' ' : h[i];
      unsigned += v & 0xff;
      signed += (i >= 148 && i < 156) ? ' ' : h[i];
    }
    if (stored != unsigned && stored != signed) {
      throw new TensorFormatException(archive, "corrupt tar header at offset " + offset + ": checksum "
          + stored + " but the header sums to " + unsigned + " (not a tar archive, or damaged)");
    }
  }

  /** A numeric header field: octal digits (space/NUL padded), or GNU base-256 when the top bit is set. */
  private static long number(byte[] h, int off, int len, String archive, long offset, String what)
      throws TensorFormatException {
    if ((h[off] & 0x80) != 0) {
      if ((h[off] & 0x40) != 0) {
        throw new TensorFormatException(archive, "corrupt tar header at offset " + offset + ": negative " + what);
      }
      long v = h[off] & 0x3f;
      for (int i = 1; i < len; i++) {
        if (v > (Long.MAX_VALUE >> 8)) {
          throw new TensorFormatException(archive, "corrupt tar header at offset " + offset + ": " + what
              + " overflows");
        }
        v = (v << 8) | (h[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (h[i] == ' ' || h[i] == 0)) {
      i++;
    }
    boolean digits = false;
    for (; i < end && h[i] != ' ' && h[i] != 0; i++) {
      int d = h[i] - '0';
      if (d < 0 || d > 7) {
        throw new TensorFormatException(archive, "corrupt tar header at offset " + offset + ": " + what
            + " field '" + new String(h, off, len, StandardCharsets.ISO_8859_1).trim() + "' is not octal");
      }
      v = v * 8 + d;
      digits = true;
    }
    if (!digits && !what.equals("size")) {
      throw new TensorFormatException(archive, "corrupt tar header at offset " + offset + ": empty " + what);
    }
    return v;
  }

  private static String headerName(byte[] h) {
    String name = cString(h, 0, 100);
    boolean posix = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r'
        && h[262] == 0;
    if (posix) {
      String prefix = cString(h, 345, 155);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static String normalise(String name) {
    String n = name;
    while (n.startsWith("./") || n.startsWith("/")) {
      n = n.substring(n.startsWith("./") ? 2 : 1);
    }
    return n;
  }

  /** pax records: {@code "<len> <key>=<value>\n"}, len counting the whole record in bytes. */
  private static Map<String, String> parsePax(byte[] b, String archive, long offset) throws TensorFormatException {
    Map<String, String> out = new LinkedHashMap<>();
    int p = 0;
    while (p < b.length && b[p] != 0) {
      int sp = p;
      while (sp < b.length && b[sp] != ' ') {
        sp++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(b, p, sp - p, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        len = -1;
      }
      if (len <= sp - p + 1 || p + len > b.length || b[p + len - 1] != '\n') {
        throw new TensorFormatException(archive, "corrupt pax header at offset " + offset);
      }
      String rec = new String(b, sp + 1, p + len - 1 - (sp + 1), StandardCharsets.UTF_8);
      int eq = rec.indexOf('=');
      if (eq > 0) {
        out.put(rec.substring(0, eq), rec.substring(eq + 1));
      }
      p += len;
    }
    return out;
  }
}
