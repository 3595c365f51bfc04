/* libFuzzer harness for the command-line parser (core/cmdline.c) and the
 * guest module configuration (core/guestcfg.c). Byte 0 picks how many
 * guests guestcfg_build may return (0..16); the rest is text. Each input
 * runs:
 * - the tokenizer over the whole text: every word lies inside it, keys (maybe
 *   empty: "=x") have no blank or '=', a value follows its key's '=';
 * - cmdline_split: the part before `--` and the rest lie inside the text;
 * - cmdline_parse over a table with every option type: each option keeps
 *   its default or holds a valid value (range, choice, terminated string),
 *   and E_INVAL comes exactly with error lines;
 * - cmdline_parse_u64 on the first word: a decimal value read back from
 *   its own decimal rendering is the same value;
 * - guestcfg_build with the text's lines as module strings: names valid
 *   and unique, mem/limit/timeout within their documented ranges, every
 *   module either a guest, attached to one, or counted as rejected. */
#include <string.h>
#include "core/cmdline.h"
#include "core/guestcfg.h"
#include "core/log.h"
#include "stubs.h"
#include "fuzz_check.h"

#define TEXT_MAX 1024
#define MODS_MAX (BOOTINFO_MODS_MAX + 4)

static char text[TEXT_MAX + 1];
static struct bootinfo_module mods[MODS_MAX];
static struct guest_cfg cfgs[GUESTCFG_MAX];

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static bool inside(const char *p, size_t len, size_t tlen)
{
	return p >= text && p + len <= text + tlen;
}

static void check_words(size_t tlen)
{
	const char *pos = text, *last = text;
	struct cmdline_word w;
	const char *rest = NULL;
	size_t before = cmdline_split(text, &rest);

	CHECK(before <= tlen);
	CHECK(!rest || inside(rest, strlen(rest), tlen));
	while (cmdline_next_word(&pos, NULL, &w)) {
		CHECK(w.key >= last && inside(w.key, w.key_len, tlen));
		for (size_t i = 0; i < w.key_len; i++)
			CHECK(!blank(w.key[i]) && w.key[i] != '=' && w.key[i]);
		if (w.val) {
			CHECK(w.val == w.key + w.key_len + 1 && w.val[-1] == '=');
			CHECK(inside(w.val, w.val_len, tlen));
			for (size_t i = 0; i < w.val_len; i++)
				CHECK(!blank(w.val[i]) && w.val[i]);
		}
		last = w.key + w.key_len;
		CHECK(pos >= last && pos <= text + tlen);
	}
}

static void check_options(void)
{
	static const char *const choices[] = { "a", "bb", "ccc", NULL };
	bool flag = false;
	u64 num = 7, size = 3;
	char str[8] = "dflt";
	int choice = -1;
	const struct cmdline_opt opts[] = {
		{ "flag", OPT_FLAG, &flag, NULL, 0, 0, "" },
		{ "num", OPT_UINT, &num, NULL, 10, 1000, "" },
		{ "size", OPT_SIZE, &size, NULL, 4096, 1ull << 30, "" },
		{ "any", OPT_UINT, &num, NULL, 0, 0, "" },
		{ "str", OPT_STRING, str, NULL, 0, sizeof(str), "" },
		{ "pick", OPT_ENUM, &choice, choices, 0, 0, "" },
	};
	int rc;

	stub_log_reset();
	rc = cmdline_parse(text, opts, ARRAY_SIZE(opts));
	CHECK(rc == E_OK || rc == E_INVAL);
	CHECK((rc == E_INVAL) == (stub_log_count[LOG_ERR] > 0));
	CHECK(size == 3 || (size >= 4096 && size <= (1ull << 30)));
	CHECK(strnlen(str, sizeof(str)) < sizeof(str));
	CHECK(choice >= -1 && choice <= 2);
}

static void check_u64(void)
{
	const char *p = text;
	struct cmdline_word w;
	char back[32];
	u64 v, again;
	int rc;

	if (!cmdline_next_word(&p, NULL, &w))
		return;
	for (int is_size = 0; is_size < 2; is_size++) {
		rc = cmdline_parse_u64(w.key, w.key_len, is_size, &v);
		CHECK(rc == E_OK || rc == E_INVAL || rc == E_RANGE);
		if (rc != E_OK)
			continue;
		ksnprintf(back, sizeof(back), "%lu", v);
		CHECK(cmdline_parse_u64(back, strlen(back), false, &again) == E_OK);
		CHECK(again == v);
	}
}

/* Split the text at '\n' into module strings. */
static size_t make_mods(void)
{
	size_t n = 0;
	const char *s = text;

	while (n < MODS_MAX) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		memset(&mods[n], 0, sizeof(mods[n]));
		memcpy(mods[n].string, s, MIN(len, (size_t)BOOTINFO_MOD_STR_MAX - 1));
		n++;
		if (!nl)
			break;
		s = nl + 1;
	}
	return n;
}

static void check_guest(const struct guest_cfg *g, size_t nmods, size_t i)
{
	CHECK(guestcfg_is_valid_name(g->name, strlen(g->name)));
	for (size_t j = 0; j < i; j++)
		CHECK(strcmp(cfgs[j].name, g->name) != 0);
	CHECK(g->mem >= GUESTCFG_MEM_MIN && g->mem <= GUESTCFG_MEM_MAX);
	CHECK(IS_ALIGNED(g->mem, PAGE_SIZE));
	CHECK(g->timeout_ms <= GUESTCFG_TIMEOUT_MAX_MS);
	CHECK(g->limit == 0 || (g->limit >= MiB && IS_ALIGNED(g->limit, PAGE_SIZE)));
	CHECK(g->module_index < nmods);
	CHECK(strnlen(g->cmdline, sizeof(g->cmdline)) < sizeof(g->cmdline));
	CHECK(g->nattached <= GUESTCFG_ATTACH_MAX);
	for (size_t a = 0; a < g->nattached; a++) {
		CHECK(g->attached[a].module_index < nmods);
		CHECK(g->attached[a].module_index != g->module_index);
		CHECK(strnlen(g->attached[a].string, GUESTCFG_STR_MAX) < GUESTCFG_STR_MAX);
	}
}

static void check_guests(size_t max)
{
	size_t nmods = make_mods(), rejected = 99, n, attached = 0;

	stub_log_reset();
	n = guestcfg_build(mods, nmods, cfgs, max, &rejected);
	CHECK(n <= max);
	for (size_t i = 0; i < n; i++) {
		check_guest(&cfgs[i], nmods, i);
		attached += cfgs[i].nattached;
		CHECK(i == 0 || cfgs[i].module_index > cfgs[i - 1].module_index);
	}
	CHECK(n + attached + rejected == nmods);
	CHECK(rejected == (size_t)stub_log_count[LOG_ERR]);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t n)
{
	size_t tlen;

	if (n < 1)
		return 0;
	tlen = MIN(n - 1, (size_t)TEXT_MAX);
	memcpy(text, data + 1, tlen);
	text[tlen] = 0;
	tlen = strlen(text);
	check_words(tlen);
	check_options();
	check_u64();
	check_guests(data[0] % (GUESTCFG_MAX + 1));
	return 0;
}
