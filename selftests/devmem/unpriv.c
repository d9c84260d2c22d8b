// SPDX-License-Identifier: GPL-2.0
/*
 * Run a netlink request as an unprivileged user: see unpriv.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "unpriv.h"

/* The child's report: whether it dropped privileges, then @fn's result. */
struct unpriv_report {
	int dropped;		/* 1: @fn ran as nobody */
	struct dm_unpriv_result res;
};

int dm_run_unprivileged(void (*fn)(void *arg, struct dm_unpriv_result *res),
			void *arg, struct dm_unpriv_result *res,
			struct dm_err *e)
{
	struct unpriv_report rep;
	int pfd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(pfd) < 0)
		return dm_fail(e, errno, "pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(pfd[0]);
		close(pfd[1]);
		return dm_fail(e, err, "fork");
	}
	if (pid == 0) {
		memset(&rep, 0, sizeof(rep));
		close(pfd[0]);
		if (setgroups(0, NULL) < 0 ||
		    setresgid(DM_NOBODY, DM_NOBODY, DM_NOBODY) < 0 ||
		    setresuid(DM_NOBODY, DM_NOBODY, DM_NOBODY) < 0) {
			dm_err_set(&rep.res.e, errno,
				   "drop privileges to uid %d", DM_NOBODY);
		} else {
			rep.dropped = 1;
			fn(arg, &rep.res);
		}
		n = write(pfd[1], &rep, sizeof(rep));
		_exit(n == sizeof(rep) ? 0 : 1);
	}
	close(pfd[1]);
	n = read(pfd[0], &rep, sizeof(rep));
	close(pfd[0]);
	waitpid(pid, &status, 0);

	if (n != sizeof(rep))
		return dm_fail(e, EPIPE, "the unprivileged child did not report");
	if (!rep.dropped) {
		*e = rep.res.e;
		return -e->code;
	}
	*res = rep.res;
	return 0;
}
