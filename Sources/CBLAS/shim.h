// OpenBLAS's CBLAS interface plus its threading/introspection extras.
#include <cblas-openblas.h>
