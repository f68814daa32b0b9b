#include <zlib.h>
// inflateInit2 is a macro (it passes the library version and the stream's size): wrap it for Swift.
// windowBits 15 + 16 reads the gzip wrapper.
static inline int ranet_inflate_init_gzip(z_streamp stream) { return inflateInit2(stream, 15 + 16); }
