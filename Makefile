# coroner - plain Makefile. `make` builds, `make check` tests, `make demo`.
CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
BUILD   ?= build
WFLAGS   = -Wall -Wextra -Wno-sign-compare -Wshadow -Wvla
CPPFLAGS += -Iinclude -Ilib -I$(BUILD) -D_GNU_SOURCE
ALLCFLAGS = -std=gnu11 -fPIC $(WFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)

LIB_SRC  := $(sort $(wildcard lib/*.c lib/arch/*.c lib/dwarf/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HDRS     := $(wildcard include/*.h lib/*.h lib/arch/*.h lib/dwarf/*.h cli/*.h) $(BUILD)/config.h

all: $(BUILD)/coroner $(BUILD)/libcoroner.so $(UNIT_BIN)

# Optional dependencies, detected once per build directory.
$(BUILD)/config.mk $(BUILD)/config.h: scripts/configure.sh
	@mkdir -p $(BUILD)
	@CC="$(CC)" sh scripts/configure.sh $(BUILD)
-include $(BUILD)/config.mk

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(ALLCFLAGS) -c -o $@ $<

$(BUILD)/libcoroner.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/libcoroner.so: $(LIB_OBJ) lib/libcoroner.map
	$(CC) -shared -Wl,-soname,libcoroner.so.0 -Wl,--version-script=lib/libcoroner.map $(ALLCFLAGS) $(LDFLAGS) -o $@ $(LIB_OBJ) $(DEP_LIBS)

# static unless sanitizers are on (they need the dynamic runtime) or STATIC=0
ifneq ($(findstring sanitize,$(LDFLAGS))$(filter 0,$(STATIC)),)
CLI_STATIC :=
endif
$(BUILD)/coroner: $(CLI_OBJ) $(BUILD)/libcoroner.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) $(CLI_STATIC) -o $@ $(CLI_OBJ) $(BUILD)/libcoroner.a $(DEP_LIBS)

# test stubs implement callbacks whose parameters they ignore
$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(BUILD)/libcoroner.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALLCFLAGS) -Wno-unused-parameter $(LDFLAGS) -o $@ $< $(BUILD)/libcoroner.a $(DEP_LIBS)

# Every test: unit tests, end-to-end on real kernel cores, foreign cores,
# malformed input, then the whole suite again under ASan+UBSan.
check: all
	@sh tests/run.sh $(BUILD)

check-quick: all
	@COR_NO_ASAN=1 sh tests/run.sh $(BUILD)

asan:
	$(MAKE) BUILD=build-asan CC=clang \
	  EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" all

demo: all
	@sh scripts/demo.sh $(BUILD)

bench: all
	@sh bench/run.sh $(BUILD)

fuzz:
	@sh tests/fuzz/build.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/coroner
	install -m 755 $(BUILD)/coroner $(DESTDIR)$(PREFIX)/bin/coroner
	install -m 644 $(BUILD)/libcoroner.a $(DESTDIR)$(PREFIX)/lib/libcoroner.a
	install -m 755 $(BUILD)/libcoroner.so $(DESTDIR)$(PREFIX)/lib/libcoroner.so.0
	ln -sf libcoroner.so.0 $(DESTDIR)$(PREFIX)/lib/libcoroner.so
	install -m 644 include/coroner.h $(DESTDIR)$(PREFIX)/include/coroner.h
	install -m 644 doc/coroner.1 $(DESTDIR)$(PREFIX)/share/man/man1/coroner.1
	install -m 644 doc/coroner.schema.json $(DESTDIR)$(PREFIX)/share/coroner/coroner.schema.json
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBS@|$(DEP_LIBS)|g' doc/coroner.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/coroner.pc

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all check check-quick asan demo bench fuzz install clean
.SECONDARY:
