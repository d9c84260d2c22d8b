/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - minimal kselftest-style TAP output for the devmem selftests.
 *
 *   TAP version 13
 *   1..N
 *   ok 1 name
 *   not ok 2 name
 *   ok 3 name # SKIP reason
 *   # Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
 *   # 1 passed, 1 failed, 1 skipped
 *
 * Exit status as kselftest: 0 all passed, 1 something failed, 4 all skipped.
 */
#ifndef DEVMEM_TAP_H
#define DEVMEM_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define TAP_EXIT_PASS	0
#define TAP_EXIT_FAIL	1
#define TAP_EXIT_SKIP	4

static int tap_planned, tap_num, tap_pass, tap_fail, tap_skip;

static inline void tap_plan(int n)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_planned = n;
	printf("TAP version 13\n1..%d\n", n);
}

/* A "# ..." diagnostic line. */
static inline __attribute__((format(printf, 1, 2)))
void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static inline void tap_result(bool ok, const char *name)
{
	tap_num++;
	if (ok)
		tap_pass++;
	else
		tap_fail++;
	printf("%s %d %s\n", ok ? "ok" : "not ok", tap_num, name);
}

static inline __attribute__((format(printf, 2, 3)))
void tap_skip_test(const char *name, const char *fmt, ...)
{
	va_list ap;

	tap_num++;
	tap_skip++;
	printf("ok %d %s # SKIP ", tap_num, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* Print the totals and return the exit status. */
static inline int tap_finish(void)
{
	if (tap_num != tap_planned)
		tap_diag("planned %d tests but ran %d", tap_planned, tap_num);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       tap_pass, tap_fail, tap_skip);
	printf("# %d passed, %d failed, %d skipped\n",
	       tap_pass, tap_fail, tap_skip);
	fflush(stdout);
	if (tap_fail || tap_num != tap_planned)
		return TAP_EXIT_FAIL;
	if (tap_skip == tap_num)
		return TAP_EXIT_SKIP;
	return TAP_EXIT_PASS;
}

/* Abort the whole program (a prerequisite is missing). */
static inline __attribute__((noreturn, format(printf, 1, 2)))
void tap_bail_out(const char *fmt, ...)
{
	va_list ap;

	fputs("Bail out! ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	printf("# %d passed, %d failed, %d skipped\n",
	       tap_pass, tap_fail + 1, tap_skip);
	fflush(stdout);
	exit(TAP_EXIT_FAIL);
}

#endif /* DEVMEM_TAP_H */
