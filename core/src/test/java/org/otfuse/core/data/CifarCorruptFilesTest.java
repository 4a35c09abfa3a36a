package org.otfuse.core.data;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.io.TensorFormatException;

/** Truncated and corrupt CIFAR files fail with a TensorFormatException naming the file and the problem. */
class CifarCorruptFilesTest {

  private static TensorFormatException loadFails(DatasetName name, Path dir, Split split) {
    return assertThrows(TensorFormatException.class, () -> Cifar.load(name, dir.toString(), split));
  }

  private static void assertMessage(Exception e, String startsWith, String... contains) {
    assertTrue(e.getMessage().startsWith(startsWith), e.getMessage());
    for (String c : contains) {
      assertTrue(e.getMessage().contains(c), "'" + c + "' missing from: " + e.getMessage());
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("pattern not found");
  }

  private static byte[] replace(byte[] in, byte[] from, byte[] to) {
    int at = indexOf(in, from);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(in, 0, at);
    out.write(to, 0, to.length);
    out.write(in, at + from.length, in.length - at - from.length);
    return out.toByteArray();
  }

  @Test
  void truncatedBinaryBatch(@TempDir Path dir) throws Exception {
    CifarFixtures.copyTree("bin", dir);
    Path f = dir.resolve("cifar-10-batches-bin/data_batch_3.bin");
    Files.write(f, Arrays.copyOf(Files.readAllBytes(f), 3073 + 1000));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TRAIN), f.toString(), "truncated", "4073 bytes",
        "3073-byte records");
    Files.write(f, new byte[0]);
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TRAIN), f.toString(), "empty");
  }

  @Test
  void labelsOutOfRangeInBinaryFiles(@TempDir Path dir) throws Exception {
    CifarFixtures.copyTree("bin", dir);
    Path f = dir.resolve("cifar-10-batches-bin/test_batch.bin");
    byte[] b = Files.readAllBytes(f);
    b[3073] = 10;
    Files.write(f, b);
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), f.toString(), "record 1 has label 10");
    // CIFAR-100 records: coarse label < 20, fine label < 100.
    Path c100 = dir.resolve("cifar-100-binary/test.bin");
    byte[] t = Files.readAllBytes(c100);
    t[2 * 3074 + 1] = (byte) 100;
    Files.write(c100, t);
    assertMessage(loadFails(DatasetName.CIFAR100, dir, Split.TEST), c100.toString(), "record 2",
        "fine label 100");
  }

  @Test
  void truncatedAndCorruptPickles(@TempDir Path dir) throws Exception {
    CifarFixtures.copyTree("py2", dir);
    Path f = dir.resolve("cifar-10-batches-py/test_batch");
    byte[] good = Files.readAllBytes(f);

    Files.write(f, Arrays.copyOf(good, good.length / 2));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), f.toString(), "truncated or corrupt pickle");

    // BINSTRING 'T' of the pixel data claiming 2 GB: refused before anything is allocated.
    int t = indexOf(good, new byte[] {'T', 0x00, 0x24, 0x00, 0x00}); // 3 * 3072 = 9216 = 0x2400
    byte[] huge = good.clone();
    huge[t + 4] = 0x7f;
    Files.write(f, huge);
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), f.toString(), "claims", "remain");

    // Labels [0, 3, 6] (BININT1 'K') with one dropped: counts disagree.
    Files.write(f, replace(good, new byte[] {'K', 3, 'K', 6, 'e'}, new byte[] {'K', 3, 'e'}));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), f.toString(), "'labels' has 2 labels",
        "3 images");

    // A label out of range.
    Files.write(f, replace(good, new byte[] {'K', 3, 'K', 6, 'e'}, new byte[] {'K', 3, 'K', 12, 'e'}));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), f.toString(), "'labels'[2] is 12");

    // A global that is not numpy's array machinery is refused.
    Files.write(f, replace(good, "numpy\ndtype\n".getBytes(StandardCharsets.US_ASCII),
        "nump0\ndtype\n".getBytes(StandardCharsets.US_ASCII)));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), f.toString(), "unsupported global nump0.dtype");

    // Not a pickle at all.
    Files.write(f, "hello".getBytes(StandardCharsets.US_ASCII));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), f.toString(), "pickle");
  }

  @Test
  void truncatedArchiveNamesTheArchive(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("cifar-10-binary.tar.gz");
    byte[] good = Files.readAllBytes(CifarFixtures.path("archives/cifar-10-binary.tar.gz"));
    Files.write(a, Arrays.copyOf(good, good.length / 2));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TRAIN), a.toString(), "truncated");
    // Only the 8-byte gzip trailer missing: every member is complete, the CRC check still fails.
    Files.write(a, Arrays.copyOf(good, good.length - 8));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), a.toString(), "truncated or corrupt gzip");
    // A wrong CRC-32 in the trailer.
    byte[] crc = good.clone();
    crc[crc.length - 8] ^= 0x55;
    Files.write(a, crc);
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), a.toString(), "corrupt gzip");
    Files.write(a, "not gzip".getBytes(StandardCharsets.US_ASCII));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), a.toString(), "not a gzip file");
  }

  @Test
  void truncatedMemberInsideTheTarNamesTheMember(@TempDir Path dir) throws Exception {
    byte[] tar = gunzip(Files.readAllBytes(CifarFixtures.path("archives/cifar-10-binary.tar.gz")));
    // Cut the uncompressed tar inside the member that holds test_batch.bin, then gzip it again.
    byte[] name = "cifar-10-batches-bin/test_batch.bin".getBytes(StandardCharsets.US_ASCII);
    int header = indexOf(tar, name);
    Path a = dir.resolve("cifar-10-binary.tar.gz");
    Files.write(a, gzip(Arrays.copyOf(tar, header + 512 + 5000)));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST),
        a + "!/cifar-10-batches-bin/test_batch.bin", "truncated", "9219 bytes");
  }

  @Test
  void corruptTarHeaderIsCaughtByItsChecksum(@TempDir Path dir) throws Exception {
    byte[] tar = gunzip(Files.readAllBytes(CifarFixtures.path("archives/cifar-10-binary.tar.gz")));
    byte[] name = "cifar-10-batches-bin/test_batch.bin".getBytes(StandardCharsets.US_ASCII);
    int header = indexOf(tar, name);
    tar[header + 3] ^= 0x01;
    Path a = dir.resolve("cifar-10-binary.tar.gz");
    Files.write(a, gzip(tar));
    assertMessage(loadFails(DatasetName.CIFAR10, dir, Split.TEST), a.toString(),
        "corrupt tar header at offset " + header, "checksum");
  }

  private static byte[] gunzip(byte[] gz) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }

  private static byte[] gzip(byte[] raw) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }
}
