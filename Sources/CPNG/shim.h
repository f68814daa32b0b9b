#include <png.h>
// PNG_IMAGE_SIZE and friends are macros; expose the ones the decoder needs.
static inline unsigned int ranet_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline unsigned int ranet_png_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline unsigned int ranet_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline int ranet_png_image_failed(png_imagep image) { return PNG_IMAGE_FAILED(*image); }
