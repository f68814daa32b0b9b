#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>

// Swift cannot see function-like macros or mutable globals safely; expose what the UI needs.
static inline unsigned int ranet_attr_bold(void) { return A_BOLD; }
static inline unsigned int ranet_attr_reverse(void) { return A_REVERSE; }
static inline unsigned int ranet_attr_dim(void) { return A_DIM; }
static inline unsigned int ranet_attr_underline(void) { return A_UNDERLINE; }
static inline unsigned int ranet_color_pair(int n) { return COLOR_PAIR(n); }
static inline WINDOW *ranet_stdscr(void) { return stdscr; }
static inline int ranet_lines(void) { return LINES; }
static inline int ranet_cols(void) { return COLS; }
static inline int ranet_colors(void) { return COLORS; }
static inline int ranet_key_resize(void) { return KEY_RESIZE; }
static inline int ranet_key_mouse(void) { return KEY_MOUSE; }
