package org.otfuse.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.otfuse.core.data.DatasetDownloader;
import org.otfuse.core.data.DatasetName;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code otfuse download}: fetch and verify a dataset's idx files. */
@Command(name = "download", mixinStandardHelpOptions = true,
    description = "Download a dataset's idx files (sha256-checked), falling back to local copies when offline.")
final class DownloadCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--dataset", required = true, description = "mnist | fashion-mnist | cifar10 | cifar100")
  String dataset;

  @Option(names = "--data-dir", required = true, description = "where the files go")
  String dataDir;

  @Option(names = "--local-copy", description = "directory with the files to use when offline (repeatable)")
  List<String> fallbacks = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    DatasetName name = DatasetName.parse(dataset);
    DatasetDownloader.official(name, fallbacks).ensure(name, dataDir);
    spec.commandLine().getOut().println(name.cliName() + " is ready in " + dataDir);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
