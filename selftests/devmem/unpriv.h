/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run a netlink request as an unprivileged user (the selftests' permission
 * cases): a forked child drops to uid/gid nobody and reports back.
 */
#ifndef _DEVMEM_SELFTESTS_UNPRIV_H
#define _DEVMEM_SELFTESTS_UNPRIV_H

#include <stdint.h>

#include "devmem_nl.h"

#define DM_NOBODY	65534

/* What the unprivileged request returned, copied back to the parent. */
struct dm_unpriv_result {
	int ret;		/* 0 or -errno */
	int ret2;		/* a second outcome, 0 or -errno */
	uint32_t id;		/* e.g. the binding id it got */
	struct dm_err e;	/* what failed, with the kernel's extack */
};

/*
 * Fork a child that drops every group and sets its uids and gids to
 * DM_NOBODY, then calls @fn(@arg, @res) there; the child inherits the
 * parent's file descriptors (e.g. a dma-buf fd).  @res is filled from the
 * child's report.
 *
 * Returns 0 when @fn ran unprivileged (its outcome is in @res), or -errno
 * with @e set when it could not run (pipe, fork, dropping privileges, or
 * a child that died without reporting).
 */
int dm_run_unprivileged(void (*fn)(void *arg, struct dm_unpriv_result *res),
			void *arg, struct dm_unpriv_result *res,
			struct dm_err *e);

#endif /* _DEVMEM_SELFTESTS_UNPRIV_H */
