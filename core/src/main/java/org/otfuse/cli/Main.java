package org.otfuse.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code submit/otfuse}. */
@Command(
    name = "otfuse",
    mixinStandardHelpOptions = true,
    version = "otfuse 0.1.0",
    description = "Model fusion via optimal transport (Singh & Jaggi, NeurIPS 2020).",
    subcommands = {OtCommand.class, FuseCommand.class, EvalCommand.class, PredictCommand.class,
        CompressCommand.class, DownloadCommand.class, DemoCommand.class, BenchCommand.class,
        TrainCommand.class, FinetuneCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (also used by tests, which capture its output). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("otfuse " + cmd.getCommandName() + ": " + describe(ex));
      org.slf4j.LoggerFactory.getLogger(Main.class).debug("stack trace", ex);
      return 2;
    });
    return cl;
  }

  private static String describe(Throwable ex) {
    String msg = ex.getMessage();
    return msg == null ? ex.toString() : msg;
  }
}
