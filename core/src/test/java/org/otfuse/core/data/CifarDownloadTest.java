package org.otfuse.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CIFAR download step against a real HTTP server on 127.0.0.1 serving the small fixture archive
 * under the official file name; the expected sha256 is the fixture's, injected with
 * {@link DatasetDownloader#withArchives}.
 */
class CifarDownloadTest {
  private LocalHttpServer server;
  private volatile boolean corrupt;
  private byte[] archive;
  private DatasetDownloader.Archive fixture;

  @BeforeEach
  void start() throws IOException {
    archive = Files.readAllBytes(CifarFixtures.path("archives/cifar-10-binary.tar.gz"));
    fixture = new DatasetDownloader.Archive("cifar-10-binary.tar.gz", DatasetDownloader.sha256(archive), null);
    server = new LocalHttpServer("/kriz/", name -> !name.equals("cifar-10-binary.tar.gz") ? null
        : corrupt ? "<html>captive portal</html>".getBytes() : archive);
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  private String url() {
    return server.url();
  }

  private DatasetDownloader downloader(List<String> fallbacks) {
    return new DatasetDownloader(List.of(url()), fallbacks, Duration.ofSeconds(5))
        .withArchives(DatasetName.CIFAR10, List.of(fixture));
  }

  @Test
  void downloadsAndVerifiesTheArchiveThenLoadsIt(@TempDir Path data) throws Exception {
    assertEquals(data.toString(), downloader(List.of()).ensure(DatasetName.CIFAR10, data.toString()));
    assertArrayEquals(archive, Files.readAllBytes(data.resolve("cifar-10-binary.tar.gz")));
    assertEquals(1, server.requests());
    ImageDataset test = Datasets.load(DatasetName.CIFAR10, data.toString(), Split.TEST);
    assertEquals(Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TEST).features(), test.features());
    // Present and verified: not downloaded again.
    downloader(List.of()).ensure(DatasetName.CIFAR10, data.toString());
    assertEquals(1, server.requests());
  }

  @Test
  void rejectsContentWithTheWrongHashAndWritesNothing(@TempDir Path data) throws IOException {
    corrupt = true;
    IOException e = assertThrows(IOException.class, () -> downloader(List.of()).ensure(DatasetName.CIFAR10,
        data.toString()));
    assertTrue(e.getMessage().contains(url() + "cifar-10-binary.tar.gz") && e.getMessage().contains("sha256 of")
        && e.getMessage().contains(fixture.sha256()), e.getMessage());
    try (var files = Files.list(data)) {
      assertEquals(0, files.count(), "nothing unverified (not even a temporary file) is left");
    }
  }

  @Test
  void aPresentArchiveWithTheWrongHashIsReplaced(@TempDir Path data) throws Exception {
    Files.write(data.resolve("cifar-10-binary.tar.gz"), new byte[] {1, 2, 3});
    downloader(List.of()).ensure(DatasetName.CIFAR10, data.toString());
    assertArrayEquals(archive, Files.readAllBytes(data.resolve("cifar-10-binary.tar.gz")));
  }

  @Test
  void fallsBackToAVerifiedLocalCopyWhenOffline(@TempDir Path data, @TempDir Path local) throws Exception {
    server.stop();
    Files.write(local.resolve("cifar-10-binary.tar.gz"), archive);
    downloader(List.of(local.toString())).ensure(DatasetName.CIFAR10, data.toString());
    assertArrayEquals(archive, Files.readAllBytes(data.resolve("cifar-10-binary.tar.gz")));
  }

  @Test
  void fallsBackToAnExtractedLocalCopy(@TempDir Path data, @TempDir Path local) throws Exception {
    server.stop();
    CifarFixtures.copyTree("bin", local);
    downloader(List.of(local.toString())).ensure(DatasetName.CIFAR10, data.toString());
    assertArrayEquals(Files.readAllBytes(local.resolve("cifar-10-batches-bin/data_batch_5.bin")),
        Files.readAllBytes(data.resolve("cifar-10-batches-bin/data_batch_5.bin")));
    assertEquals(10, Cifar.load(DatasetName.CIFAR10, data.toString(), Split.TRAIN).size());
  }

  @Test
  void anExtractedFolderOrThePythonArchiveInTheDataDirIsEnough(@TempDir Path data, @TempDir Path py)
      throws Exception {
    CifarFixtures.copyTree("bin", data);
    downloader(List.of()).ensure(DatasetName.CIFAR10, data.toString());
    // An incomplete folder is not enough.
    Files.delete(data.resolve("cifar-10-batches-bin/test_batch.bin"));
    corrupt = true;
    assertThrows(IOException.class, () -> downloader(List.of()).ensure(DatasetName.CIFAR10, data.toString()));
    assertEquals(1, server.requests());

    byte[] python = Files.readAllBytes(CifarFixtures.path("archives/cifar-10-python.tar.gz"));
    Files.write(py.resolve("cifar-10-python.tar.gz"), python);
    new DatasetDownloader(List.of(url()), List.of(), Duration.ofSeconds(5))
        .withArchives(DatasetName.CIFAR10, List.of(fixture,
            new DatasetDownloader.Archive("cifar-10-python.tar.gz", DatasetDownloader.sha256(python), null)))
        .ensure(DatasetName.CIFAR10, py.toString());
    assertEquals(1, server.requests(), "the python archive was accepted without a download");
  }

  @Test
  void offlineWithoutCopiesSaysWhatToFetchWithTheOfficialChecksums(@TempDir Path data) {
    server.stop();
    DatasetDownloader official = new DatasetDownloader(List.of(url()), List.of(), Duration.ofSeconds(2));
    IOException e = assertThrows(IOException.class, () -> official.ensure(DatasetName.CIFAR100, data.toString()));
    for (String s : new String[] {"cifar-100-binary.tar.gz", "offline",
        "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec", "03b5dce01913d631647c71ecec9e9cb8",
        "cifar-100-python.tar.gz", "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
        "eb9058c3a382ffc7106e4002c42a8d85"}) {
      assertTrue(e.getMessage().contains(s), s + " missing from: " + e.getMessage());
    }
    assertFalse(Files.exists(data.resolve("cifar-100-binary.tar.gz")));
  }

  @Test
  void officialArchivesAndMirror() {
    assertEquals(List.of("https://www.cs.toronto.edu/~kriz/"), DatasetName.CIFAR10.mirrors());
    List<DatasetDownloader.Archive> c10 = DatasetDownloader.officialArchives(DatasetName.CIFAR10);
    assertEquals("cifar-10-binary.tar.gz", c10.get(0).fileName());
    assertEquals("c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", c10.get(0).sha256());
    assertEquals("c32a1d4ab5d03f1284b67883e8d87530", c10.get(0).md5());
    assertEquals("6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", c10.get(1).sha256());
    assertEquals("c58f30108f718f92721af3b95e74349a", c10.get(1).md5());
    assertTrue(DatasetDownloader.officialArchives(DatasetName.MNIST).isEmpty());
    assertThrows(IllegalArgumentException.class,
        () -> new DatasetDownloader.Archive("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", null));
    assertThrows(IllegalArgumentException.class,
        () -> downloader(List.of()).withArchives(DatasetName.MNIST, List.of(fixture)));
  }
}
