package org.otfuse.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.io.TensorFormatException;

/**
 * The other pickle variants (Python 2 style at protocol 1; Python 3 at protocols 2, 4, 5; Fortran
 * order) and the tar reader's handling of GNU long names and pax headers.
 */
class CifarFormatsTest {

  @Test
  void picklesOfEveryProtocolEqualTheBinaryFile() throws Exception {
    ImageDataset bin = Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TEST);
    for (String variant : new String[] {"py2-protocol1", "py3-protocol2", "py3-protocol4", "py3-protocol5",
        "py3-fortran"}) {
      ImageDataset py = Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir(variant), Split.TEST);
      assertEquals(bin.features(), py.features(), variant);
      assertArrayEquals(bin.labelArray(), py.labelArray(), variant);
    }
  }

  @Test
  void thePython2PickleIsTheDictTheCifarPageDescribes() throws Exception {
    Path f = CifarFixtures.path("py2/cifar-10-batches-py/data_batch_2");
    byte[] bytes = Files.readAllBytes(f);
    // Python 2 cPickle protocol 2: PROTO 2, EMPTY_DICT, then str keys as SHORT_BINSTRING ('U').
    assertEquals(0x80, bytes[0] & 0xff);
    assertEquals(2, bytes[1]);
    Map<String, Object> d = CifarPickle.read(bytes, f.toString());
    assertEquals("training batch 2 of 5", d.get("batch_label"));
    assertEquals(List.of("img_2_0.png", "img_2_1.png"), d.get("filenames"));
    assertEquals(List.of(2, 5), d.get("labels"));
    CifarPickle.NdArray data = (CifarPickle.NdArray) d.get("data");
    assertArrayEquals(new long[] {2, 3072}, data.shape());
    assertEquals("|u1", data.dtype());
    assertEquals(CifarFixtures.pixel(0, 2, 1, 3000), data.data()[3072 + 3000] & 0xff);
    // Python 3 protocol 4: bytes keys and values.
    Path p4 = CifarFixtures.path("py3-protocol4/cifar-10-batches-py/test_batch");
    Map<String, Object> d4 = CifarPickle.read(Files.readAllBytes(p4), p4.toString());
    assertEquals("testing batch 1 of 1", CifarPickle.text(d4.get("batch_label")));
    assertEquals(List.of(0, 3, 6), d4.get("labels"));
  }

  @Test
  void tarReaderFollowsGnuLongNamesAndPaxHeaders() throws Exception {
    for (String archive : new String[] {"archives/cifar-10-binary.tar.gz", "archives-pax/cifar-10-binary.tar.gz"}) {
      String longName = "cifar-10-batches-bin/" + "x".repeat(125 - "cifar-10-batches-bin".length()) + ".txt";
      assertEquals(130, longName.length());
      String path = CifarFixtures.dir(archive);
      Map<String, byte[]> m = TarGz.read(path, List.of(longName, "cifar-10-batches-bin/batches.meta.txt"));
      assertEquals("a member with a long name\n", new String(m.get(longName), StandardCharsets.UTF_8), archive);
      assertTrue(new String(m.get("cifar-10-batches-bin/batches.meta.txt"), StandardCharsets.UTF_8)
          .startsWith("airplane\nautomobile\n"), archive);
      assertArrayEquals(Files.readAllBytes(CifarFixtures.path("bin/cifar-10-batches-bin/data_batch_3.bin")),
          TarGz.read(path, List.of("cifar-10-batches-bin/data_batch_3.bin"))
              .get("cifar-10-batches-bin/data_batch_3.bin"), archive);
    }
  }

  @Test
  void anArchiveOfTheOtherDatasetNamesTheMissingMember(@TempDir Path dir) throws Exception {
    Files.copy(CifarFixtures.path("archives/cifar-100-binary.tar.gz"), dir.resolve("cifar-10-binary.tar.gz"));
    TensorFormatException e = assertThrows(TensorFormatException.class,
        () -> Cifar.load(DatasetName.CIFAR10, dir.toString(), Split.TEST));
    assertTrue(e.getMessage().startsWith(dir.resolve("cifar-10-binary.tar.gz").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("has no member cifar-10-batches-bin/test_batch.bin")
        && e.getMessage().contains("cifar-100-binary/test.bin"), e.getMessage());
  }
}
