package org.otfuse.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** Downloads from a real HTTP server on 127.0.0.1 that serves the MNIST files (or garbage). */
class DatasetDownloaderTest {
  private LocalHttpServer server;
  private volatile boolean corrupt;
  private Path mnistDir;

  @BeforeEach
  void start() throws IOException {
    mnistDir = Path.of(MnistDataTest.mnistDir());
    server = new LocalHttpServer("/mnist/", name -> {
      Path f = mnistDir.resolve(name);
      return !Files.exists(f) ? null : corrupt ? "not the data".getBytes() : Files.readAllBytes(f);
    });
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  private String url() {
    return server.url();
  }

  @Test
  void verifiesDownloadedContentBySha256() throws Exception {
    // The fixture directory holds the two test files only: the train images are missing (404).
    Path data = Files.createTempDirectory("dl");
    DatasetDownloader d = new DatasetDownloader(List.of(url()), List.of(), Duration.ofSeconds(5));
    IOException e = assertThrows(IOException.class, () -> d.ensure(DatasetName.MNIST, data.toString()));
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte") && e.getMessage().contains("HTTP 404"),
        e.getMessage());
    // Those that were served were verified and written.
    assertArrayEquals(Files.readAllBytes(mnistDir.resolve("t10k-labels-idx1-ubyte.gz")),
        Files.readAllBytes(data.resolve("t10k-labels-idx1-ubyte.gz")));
  }

  @Test
  void rejectsContentWithTheWrongHash(@TempDir Path data) {
    corrupt = true;
    DatasetDownloader d = new DatasetDownloader(List.of(url()), List.of(), Duration.ofSeconds(5));
    IOException e = assertThrows(IOException.class, () -> d.ensure(DatasetName.MNIST, data.toString()));
    assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    assertTrue(!Files.exists(data.resolve("t10k-labels-idx1-ubyte.gz")), "nothing unverified is written");
  }

  @Test
  void fallsBackToALocalCopyWhenOffline(@TempDir Path data, @TempDir Path local) throws Exception {
    // Offline: the server is down. The local copy has three of the four files.
    server.stop();
    for (String f : new String[] {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"}) {
      Files.copy(mnistDir.resolve(f), local.resolve(f));
    }
    DatasetDownloader d = new DatasetDownloader(List.of(url()), List.of(local.toString()), Duration.ofSeconds(2));
    IOException e = assertThrows(IOException.class, () -> d.ensure(DatasetName.MNIST, data.toString()));
    // Only train-images is missing everywhere, and the message says what to do about it.
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte") && e.getMessage().contains("offline"), e.getMessage());
    for (String f : new String[] {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"}) {
      assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(data.resolve(f)), f);
    }
    assertEquals(10_000, MnistFamily.load(DatasetName.MNIST, data.toString(), Split.TEST).size());
  }

  @Test
  void presentVerifiedFilesAreNotDownloadedAgain(@TempDir Path data) throws Exception {
    for (String f : new String[] {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"}) {
      Files.copy(mnistDir.resolve(f), data.resolve(f));
    }
    DatasetDownloader d = new DatasetDownloader(List.of(url()), List.of(), Duration.ofSeconds(5));
    assertThrows(IOException.class, () -> d.ensure(DatasetName.MNIST, data.toString()));
    assertEquals(1, server.requests(), "only the missing train images were requested");
  }
}
