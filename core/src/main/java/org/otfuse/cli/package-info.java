/**
 * The {@code otfuse} command line ({@code submit/otfuse}): {@code ot}, {@code fuse}, {@code eval},
 * {@code download} and {@code demo}. Thin adapters from flags to the core library; the only place
 * in core that writes to standard output.
 */
package org.otfuse.cli;
