/* virtio-blk over PCI through the legacy (virtio 0.9.5) I/O-port interface
 * that QEMU's transitional device (1af4:1001) offers: one virtqueue, several
 * requests in flight, completions polled from the used ring. */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

/* Find every virtio-blk PCI function, set it up and register it with the
 * block layer as vda, vdb, ... A device that fails set-up is reported and
 * skipped. Called from blk_init(). */
void virtio_blk_probe(void);

#endif
