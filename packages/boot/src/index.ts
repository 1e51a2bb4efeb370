/**
 * The formats a node boots, read in process with bounded memory and time: kernel images (x86
 * bzImage, arm64 zboot and Image, UKI PE files) with the certificates compiled into them, and the
 * initramfs (concatenated cpio archives) with the squashfs images inside it. Bad input never
 * throws from a reader: problems are listed in the result.
 */
export {};
