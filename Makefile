# cmegw - Children Missing Education mail gateway
#
#   make            build build/cmegw
#   make check      install what is missing, build, run every test (unit + integration)
#   make demo       install what is missing, run the end-to-end demo on loopback servers
#   make check SANITIZE=address,undefined   the same suite under the sanitizers
#   make install PREFIX=/usr/local DESTDIR=...

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc

PKGS    = glib-2.0 gio-2.0 gmime-3.0 json-glib-1.0 sqlite3 libcurl gnutls libxml-2.0 libzip poppler-glib

ifdef SANITIZE
BUILD   ?= build/sanitize
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   ?= build
SANFLAGS =
endif

WARN    = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wpointer-arith -Wwrite-strings -Wvla -Wno-unused-parameter \
	  -Wno-missing-field-initializers
ifeq ($(WERROR),1)
WARN   += -Werror
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libetpan's pkg-config --libs adds -specs=no-pie-link.specs, which breaks
# linking: use its include path (plain /usr/include) and -letpan.
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -letpan

CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -Isrc \
	     -DCMEGW_DATADIR='"$(PREFIX)/share/cmegw"'
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

LIB_SRC = $(sort $(wildcard src/ingest/*.c src/parse/*.c src/route/*.c src/store/*.c \
	  src/notify/*.c) $(filter-out src/main.c,$(wildcard src/*.c)))
LIB_OBJ = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
MAIN_OBJ = $(BUILD)/obj/main.o
LIB     = $(BUILD)/libcmegw.a
BIN     = $(BUILD)/cmegw

UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
INTEG    = $(sort $(wildcard tests/integration/*.t))

.PHONY: all deps check unit integration demo purity install clean fuzz bench-parse
.DEFAULT_GOAL := all

all: $(BIN)

# deps - install the Debian packages when any is missing (no-op otherwise)
deps:
	@./scripts/install-deps.sh

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# the built-in copy of the field dictionary is assembled from the data file
$(BUILD)/obj/parse/parse_dict.o: data/fields.conf

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB) $(PKG_LIBS)

# A unit test tests/unit/test_MOD[_what].c links only module MOD's objects
# and the modules listed in DEPS_MOD (STYLE.md: link only what is under test).
DEPS_route  = parse
DEPS_store  = parse route
DEPS_config = route parse
mod_of   = $(word 2,$(subst _, ,$(notdir $(1))))
mod_objs = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(wildcard $(foreach m,$(1) $(DEPS_$(1)),src/$(m)/*.c) \
	   $(if $(filter config,$(1)),src/config.c src/log.c)))

.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $$(call mod_objs,$$(call mod_of,$$*)) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -DCMEGW_SRCDIR='"$(CURDIR)"' -o $@ $< \
		$(call mod_objs,$(call mod_of,$*)) $(ALL_LDFLAGS) $(PKG_LIBS) -lcmocka

# purity - the pure core (parse, route) includes no I/O library, and no
# banned function appears anywhere in src/
purity:
	@bad=$$(grep -rlE '#include *[<"](curl/|libetpan/|sqlite3\.h|gnutls/)' src/parse src/route); \
	if [ -n "$$bad" ]; then echo "purity: I/O headers in the pure core: $$bad" >&2; exit 1; fi
	@bad=$$(grep -rnE '\b(strcpy|strcat|sprintf|strtok|gmtime|localtime|time|g_get_real_time|g_date_time_new_now[a-z_]*)[[:space:]]*\(' \
		src/parse src/route | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*)' || true); \
	if [ -n "$$bad" ]; then echo "purity: banned call or clock in the core: $$bad" >&2; exit 1; fi
	@bad=$$(grep -rnE '\b(strcpy|strcat|sprintf|strtok|gmtime|localtime)[[:space:]]*\(' src || true); \
	if [ -n "$$bad" ]; then echo "purity: banned function: $$bad" >&2; exit 1; fi

# fuzz - the parser under libFuzzer, ASan and UBSan, for FUZZ_SECONDS; new
# inputs go to build/fuzz/corpus, a crash to build/fuzz/crash-*
FUZZ_SECONDS ?= 60
PARSE_OBJ = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(wildcard src/parse/*.c))
fuzz: deps
	@$(MAKE) --no-print-directory CC=clang SANITIZE=fuzzer-no-link,address,undefined \
		BUILD=build/fuzz build/fuzz/fuzz_parse
	@mkdir -p build/fuzz/corpus
	build/fuzz/fuzz_parse -max_total_time=$(FUZZ_SECONDS) -timeout=10 -max_len=65536 \
		-artifact_prefix=build/fuzz/ build/fuzz/corpus tests/corpus tests/fuzz/regress

$(BUILD)/fuzz_parse: tests/fuzz/fuzz_parse.c $(PARSE_OBJ)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(ALL_LDFLAGS) -fsanitize=fuzzer $(PKG_LIBS)

# bench-parse - parse_message() over the corpus beside a bare GMime parse
bench-parse: deps $(BUILD)/bench_parse
	$(BUILD)/bench_parse tests/corpus

$(BUILD)/bench_parse: scripts/bench_parse.c $(PARSE_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

unit: deps $(UNIT_BIN)
	CMOCKA_MESSAGE_OUTPUT=TAP prove -f $(UNIT_BIN)

integration: deps $(BIN)
	CMEGW=$(CURDIR)/$(BIN) prove -f $(INTEG)

check: deps
	@$(MAKE) --no-print-directory purity
	@$(MAKE) --no-print-directory $(BIN) $(UNIT_BIN)
	CMOCKA_MESSAGE_OUTPUT=TAP CMEGW=$(CURDIR)/$(BIN) prove -f $(UNIT_BIN) $(INTEG)

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	CMEGW=$(CURDIR)/$(BIN) python3 scripts/demo.py

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/cmegw/templates \
		$(DESTDIR)$(PREFIX)/share/cmegw/data $(DESTDIR)/etc/cmegw
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/cmegw
	install -m 644 templates/*.txt templates/*.html $(DESTDIR)$(PREFIX)/share/cmegw/templates/
	install -m 644 data/la-codes.csv data/fields.conf $(DESTDIR)$(PREFIX)/share/cmegw/data/
	install -m 640 etc/cmegw.conf.example $(DESTDIR)/etc/cmegw/cmegw.conf.example
	install -d $(DESTDIR)$(PREFIX)/share/cmegw/profiles
	install -m 644 etc/profiles/* $(DESTDIR)$(PREFIX)/share/cmegw/profiles/
	install -d $(DESTDIR)/lib/systemd/system
	install -m 644 systemd/*.service systemd/*.timer $(DESTDIR)/lib/systemd/system/

clean:
	rm -rf build
