package org.otfuse.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
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
 *
 * <p>CIFAR-10 and CIFAR-100 come as one official archive each ({@link #officialArchives}): the
 * binary version ({@code cifar-10-binary.tar.gz}, {@code cifar-100-binary.tar.gz}) is downloaded
 * from https://www.cs.toronto.edu/~kriz/, and a data directory or fallback directory that already
 * holds it, or the python version ({@code cifar-*-python.tar.gz}), is accepted. Archives are
 * checked by the sha256 of the archive file. The authors publish only md5 sums; the sha256 values
 * are those that TensorFlow Datasets ({@code url_checksums/cifar10.txt}, {@code cifar100.txt},
 * {@code cifar10.csv}, {@code cifar100.csv}) and Keras ({@code keras.datasets.cifar10/100}) pin for
 * the same URLs, independently agreeing; the md5 sums are kept with them for error messages. An
 * already-extracted folder ({@code cifar-10-batches-bin}, ...) in the data directory is accepted
 * when every batch file is there with a plausible size; its content is not hashed (the authors
 * publish checksums of the archives only).
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

  /**
   * An archive of a dataset as its authors publish it: the file name, the sha256 it must have and,
   * for messages, the md5 the authors publish (or null).
   */
  public record Archive(String fileName, String sha256, String md5) {
    public Archive {
      if (fileName == null || fileName.isEmpty() || fileName.contains("/")) {
        throw new IllegalArgumentException("archive file name '" + fileName + "' must be a plain file name");
      }
      if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
        throw new IllegalArgumentException("sha256 of " + fileName + " is '" + sha256 + "'; expected 64 hex digits");
      }
      sha256 = sha256.toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The official CIFAR archives: the first of each list is the one downloaded. sha256 as pinned by
   * TensorFlow Datasets and Keras for the www.cs.toronto.edu URLs; md5 as published on
   * https://www.cs.toronto.edu/~kriz/cifar.html.
   */
  private static final Map<DatasetName, List<Archive>> ARCHIVES = Map.of(
      DatasetName.CIFAR10, List.of(
          new Archive("cifar-10-binary.tar.gz",
              "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", "c32a1d4ab5d03f1284b67883e8d87530"),
          new Archive("cifar-10-python.tar.gz",
              "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", "c58f30108f718f92721af3b95e74349a")),
      DatasetName.CIFAR100, List.of(
          new Archive("cifar-100-binary.tar.gz",
              "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec", "03b5dce01913d631647c71ecec9e9cb8"),
          new Archive("cifar-100-python.tar.gz",
              "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7", "eb9058c3a382ffc7106e4002c42a8d85")));

  private final List<String> mirrors;
  private final List<String> fallbackDirs;
  private final Duration timeout;
  private final Map<DatasetName, List<Archive>> archives;

  /**
   * @param mirrors base URLs to try in order (each followed by {@code <file>.gz})
   * @param fallbackDirs local directories to copy from when every mirror fails
   */
  public DatasetDownloader(List<String> mirrors, List<String> fallbackDirs, Duration timeout) {
    this(mirrors, fallbackDirs, timeout, ARCHIVES);
  }

  private DatasetDownloader(List<String> mirrors, List<String> fallbackDirs, Duration timeout,
      Map<DatasetName, List<Archive>> archives) {
    this.mirrors = List.copyOf(mirrors);
    this.fallbackDirs = List.copyOf(fallbackDirs);
    this.timeout = timeout;
    this.archives = Map.copyOf(archives);
  }

  /** The official archives of an archive-distributed dataset (CIFAR), the downloaded one first; else empty. */
  public static List<Archive> officialArchives(DatasetName dataset) {
    return ARCHIVES.getOrDefault(dataset, List.of());
  }

  /**
   * A copy of this downloader that expects {@code expected} (the first is downloaded) instead of the
   * official archives of {@code dataset}: for tests and private mirrors of other content. Not
   * modified: this downloader.
   */
  public DatasetDownloader withArchives(DatasetName dataset, List<Archive> expected) {
    if (!ARCHIVES.containsKey(dataset)) {
      throw new IllegalArgumentException(dataset.cliName() + " is not distributed as an archive");
    }
    if (expected.isEmpty()) {
      throw new IllegalArgumentException("at least one archive is needed for " + dataset.cliName());
    }
    Map<DatasetName, List<Archive>> copy = new HashMap<>(archives);
    copy.put(dataset, List.copyOf(expected));
    return new DatasetDownloader(mirrors, fallbackDirs, timeout, copy);
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
   * Ensures {@code dataDir} holds the verified train and test idx files of {@code dataset}, or for
   * CIFAR a verified archive (or an extracted folder).
   *
   * @return {@code dataDir}
   * @throws IOException naming each file, every URL tried with its error, and the directories looked in
   */
  public String ensure(DatasetName dataset, String dataDir) throws IOException {
    if (archives.containsKey(dataset)) {
      ensureArchive(dataset, dataDir, archives.get(dataset));
      return dataDir;
    }
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

  private void ensureArchive(DatasetName dataset, String dataDir, List<Archive> expected) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Archive a : expected) {
      String present = new Path(dataDir, a.fileName()).toString();
      if (HadoopPaths.exists(present)) {
        String found;
        try (InputStream in = HadoopPaths.open(present)) {
          found = sha256(in);
        }
        if (found.equals(a.sha256())) {
          return;
        }
        problems.add(present + " is present but its sha256 is " + found + ", expected " + a.sha256());
      }
    }
    String folder = completeFolder(dataset, dataDir);
    if (folder != null) {
      LOG.info("{} is extracted in {} (accepted by file sizes; extracted files are not hashed)",
          dataset.cliName(), folder);
      return;
    }
    Archive main = expected.get(0);
    String target = new Path(dataDir, main.fileName()).toString();
    for (String mirror : mirrors) {
      String url = mirror + main.fileName();
      try {
        HttpResponse<InputStream> resp = open(url);
        try (InputStream body = resp.body()) {
          copyVerified(body, target, main, url);
        }
        LOG.info("downloaded and verified {} into {}", url, target);
        return;
      } catch (IOException e) {
        problems.add(url + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while downloading " + url, e);
      }
    }
    for (String dir : fallbackDirs) {
      for (Archive a : expected) {
        String candidate = new Path(dir, a.fileName()).toString();
        if (!HadoopPaths.exists(candidate)) {
          continue;
        }
        try (InputStream in = HadoopPaths.open(candidate)) {
          copyVerified(in, new Path(dataDir, a.fileName()).toString(), a, candidate);
          LOG.warn("could not download {} {} (offline?); copied the verified local copy {}",
              dataset.cliName(), main.fileName(), candidate);
          return;
        } catch (IOException e) {
          problems.add(e.getMessage() != null ? e.getMessage() : candidate + ": " + e);
        }
      }
      String local = completeFolder(dataset, dir);
      if (local != null) {
        copyFolder(local, dataDir);
        LOG.warn("could not download {} {} (offline?); copied the extracted local copy {} (not hashed)",
            dataset.cliName(), main.fileName(), local);
        return;
      }
    }
    StringBuilder names = new StringBuilder();
    for (Archive a : expected) {
      names.append(names.length() == 0 ? "" : ", ").append(a.fileName()).append(" (sha256 ").append(a.sha256())
          .append(a.md5() == null ? "" : ", md5 " + a.md5() + " as published by the authors").append(')');
    }
    throw new IOException("cannot get " + dataset.cliName() + " into " + dataDir + ". Tried: "
        + (problems.isEmpty() ? "nothing" : String.join("; ", problems)) + ". Looked for local copies in "
        + fallbackDirs + ". If this machine is offline, copy one of " + names + " into " + dataDir
        + " (from " + (mirrors.isEmpty() ? "https://www.cs.toronto.edu/~kriz/" : mirrors.get(0))
        + "), or extract it there");
  }

  /** A complete extracted folder of {@code dataset} in {@code dir}, or null. */
  private static String completeFolder(DatasetName dataset, String dir) throws IOException {
    for (Cifar.Layout l : Cifar.layouts(dataset)) {
      String folder = new Path(dir, l.folder()).toString();
      if (!HadoopPaths.exists(folder)) {
        continue;
      }
      boolean complete = true;
      for (Split split : Split.values()) {
        for (String m : l.members(split)) {
          Path p = new Path(folder, m);
          if (!HadoopPaths.exists(p.toString())) {
            complete = false;
            continue;
          }
          long len = HadoopPaths.fileSystem(p).getFileStatus(p).getLen();
          if (len == 0 || (l.format() == Cifar.Format.BINARY && len % l.recordBytes() != 0)) {
            complete = false;
          }
        }
      }
      if (complete) {
        return folder;
      }
    }
    return null;
  }

  private static void copyFolder(String folder, String dataDir) throws IOException {
    Path src = new Path(folder);
    String dest = new Path(dataDir, src.getName()).toString();
    for (org.apache.hadoop.fs.FileStatus st : HadoopPaths.fileSystem(src).listStatus(src)) {
      if (st.isFile()) {
        try (InputStream in = HadoopPaths.open(st.getPath().toString())) {
          HadoopPaths.writeAtomically(new Path(dest, st.getPath().getName()).toString(), in::transferTo);
        }
      }
    }
  }

  /**
   * Streams {@code in} into {@code target} (atomically) while hashing it; when the sha256 differs
   * from {@code expected}'s, nothing is written and the error names {@code from}.
   */
  private static void copyVerified(InputStream in, String target, Archive expected, String from) throws IOException {
    MessageDigest md = sha256Digest();
    HadoopPaths.writeAtomically(target, (OutputStream out) -> {
      try (DigestInputStream din = new DigestInputStream(in, md)) {
        din.transferTo(out);
      }
      String found = HexFormat.of().formatHex(md.digest());
      if (!found.equals(expected.sha256())) {
        throw new IOException(from + ": sha256 of " + expected.fileName() + " is " + found + ", expected "
            + expected.sha256());
      }
    });
  }

  private HttpResponse<InputStream> open(String url) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
    HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
    if (resp.statusCode() != 200) {
      resp.body().close();
      throw new IOException("HTTP " + resp.statusCode());
    }
    return resp;
  }

  private byte[] fetch(String url) throws IOException, InterruptedException {
    try (InputStream body = open(url).body()) {
      return body.readAllBytes();
    }
  }

  /** Hex sha256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256Digest().digest(bytes));
  }

  /** Hex sha256 of what {@code in} holds (read to its end, not closed). */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest md = sha256Digest();
    new DigestInputStream(in, md).transferTo(OutputStream.nullOutputStream());
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
