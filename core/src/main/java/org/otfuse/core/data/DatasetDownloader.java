package org.otfuse.core.data;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.otfuse.core.io.HadoopPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the four idx files of a dataset present in a data directory: files already there are
 * verified, missing ones are downloaded from the official mirrors, and when that fails (offline)
 * they are copied from fallback directories such as Debian's {@code /usr/share/datasets}.
 *
 * <p>Every file is checked by the sha256 of its <em>decompressed</em> idx content, so a mirror that
 * re-compresses the same data is accepted and a corrupt or different file never is.
 */
public final class DatasetDownloader {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetDownloader.class);

  /** sha256 of the decompressed idx files, per dataset and file name. */
  private static final Map<DatasetName, Map<String, String>> SHA256 = Map.of(
      DatasetName.MNIST, Map.of(
          "train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
          "train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
          "t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
          "t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
      DatasetName.FASHION_MNIST, Map.of(
          "train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
          "train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
          "t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
          "t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"));

  /** Debian's packaged copies ({@code apt-get install dataset-fashion-mnist}). */
  public static final Map<DatasetName, String> DEBIAN_DIRS =
      Map.of(DatasetName.FASHION_MNIST, "/usr/share/datasets/fashion-mnist");

  private final List<String> mirrors;
  private final List<String> fallbackDirs;
  private final Duration timeout;

  /**
   * @param mirrors base URLs to try in order (each followed by {@code <file>.gz})
   * @param fallbackDirs local directories to copy from when every mirror fails
   */
  public DatasetDownloader(List<String> mirrors, List<String> fallbackDirs, Duration timeout) {
    this.mirrors = List.copyOf(mirrors);
    this.fallbackDirs = List.copyOf(fallbackDirs);
    this.timeout = timeout;
  }

  /** The official mirrors of {@code dataset}, with Debian's copy (if any) and {@code extra} as fallbacks. */
  public static DatasetDownloader official(DatasetName dataset, List<String> extraFallbacks) {
    List<String> fallbacks = new ArrayList<>(extraFallbacks);
    if (DEBIAN_DIRS.containsKey(dataset)) {
      fallbacks.add(DEBIAN_DIRS.get(dataset));
    }
    return new DatasetDownloader(dataset.mirrors(), fallbacks, Duration.ofSeconds(30));
  }

  /**
   * Ensures {@code dataDir} holds the verified train and test idx files of {@code dataset}.
   *
   * @return {@code dataDir}
   * @throws IOException naming each file, every URL tried with its error, and the directories looked in
   */
  public String ensure(DatasetName dataset, String dataDir) throws IOException {
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(SHA256.get(dataset)).entrySet()) {
      try {
        ensureFile(dataset, dataDir, e.getKey(), e.getValue());
      } catch (IOException ex) {
        failures.add(ex.getMessage());
      }
    }
    if (!failures.isEmpty()) {
      throw new IOException(String.join("\n", failures));
    }
    return dataDir;
  }

  private void ensureFile(DatasetName dataset, String dataDir, String name, String sha) throws IOException {
    String target = new Path(dataDir, name + ".gz").toString();
    List<String> problems = new ArrayList<>();
    for (String candidate : List.of(target, new Path(dataDir, name).toString())) {
      if (HadoopPaths.exists(candidate)) {
        String found = sha256(Idx.decompress(HadoopPaths.readAllBytes(candidate), candidate));
        if (found.equals(sha)) {
          return;
        }
        problems.add(candidate + " is present but its sha256 is " + found + ", expected " + sha);
      }
    }
    for (String mirror : mirrors) {
      String url = mirror + name + ".gz";
      try {
        byte[] body = fetch(url);
        String found = sha256(Idx.decompress(body, url));
        if (!found.equals(sha)) {
          problems.add(url + ": sha256 of the content is " + found + ", expected " + sha);
          continue;
        }
        HadoopPaths.writeBytes(target, body);
        LOG.info("downloaded {} ({} bytes) to {}", url, body.length, target);
        return;
      } catch (IOException e) {
        problems.add(url + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while downloading " + url, e);
      }
    }
    for (String dir : fallbackDirs) {
      for (String candidate : List.of(new Path(dir, name + ".gz").toString(), new Path(dir, name).toString())) {
        if (!HadoopPaths.exists(candidate)) {
          continue;
        }
        byte[] body = HadoopPaths.readAllBytes(candidate);
        String found = sha256(Idx.decompress(body, candidate));
        if (found.equals(sha)) {
          String dest = candidate.endsWith(".gz") ? target : new Path(dataDir, name).toString();
          HadoopPaths.writeBytes(dest, body);
          LOG.warn("could not download {} {} (offline?); copied the verified local copy {}",
              dataset.cliName(), name, candidate);
          return;
        }
        problems.add(candidate + ": sha256 " + found + ", expected " + sha);
      }
    }
    throw new IOException("cannot get " + dataset.cliName() + " file " + name + " into " + dataDir
        + ". Tried: " + String.join("; ", problems) + (problems.isEmpty() ? "nothing" : "")
        + ". Looked for local copies in " + fallbackDirs + ". If this machine is offline, copy "
        + name + ".gz (sha256 of its decompressed content " + sha + ") into " + dataDir
        + (dataset == DatasetName.FASHION_MNIST ? " or install Debian's dataset-fashion-mnist" : ""));
  }

  private byte[] fetch(String url) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
    HttpResponse<byte[]> resp = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
    if (resp.statusCode() != 200) {
      throw new IOException("HTTP " + resp.statusCode());
    }
    return resp.body();
  }

  /** Hex sha256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
