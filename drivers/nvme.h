/* NVMe over PCI (class 01:08, prog-if 02): one admin queue pair and one
 * I/O queue pair per controller, namespace 1 as a block device, several
 * commands in flight, completions polled by phase bit. docs/disks.md. */
#ifndef DRIVERS_NVME_H
#define DRIVERS_NVME_H

/* Find every NVMe controller, reset and enable it, identify it and its
 * namespace 1, create an I/O queue pair, and register the namespace with
 * the block layer as nvme0n1, nvme1n1, ... A controller that fails set-up
 * is reported (one line) and skipped. Called from blk_init(). */
void nvme_probe(void);

#endif
