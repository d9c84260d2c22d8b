// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "netdev" generic netlink family (include/uapi/linux/netdev.h).
 *
 * Implemented: BIND_RX and BIND_TX (devmem TCP dma-buf bindings) and
 * QUEUE_GET.  The other commands of mainline's family keep their numbers
 * and fail with EOPNOTSUPP (genetlink's answer to an unknown command).
 * Attribute values, checks and errnos follow mainline (6.12 RX, 6.16 TX);
 * mainline generates this family from Documentation/netlink/specs/
 * netdev.yaml, 6.1 has no YNL, so the policies are written here.
 *
 * A binding lives as long as the netlink socket that created it: closing
 * the socket (or the owner exiting) unbinds it (NETLINK_URELEASE below;
 * 6.1 has no per-socket private data in genetlink).  Unregistering the
 * device, or moving it to another netns, unbinds it as well.
 */

#include <linux/bitmap.h>
#include <linux/dma-direction.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/netmem_provider.h>
#include <net/sock.h>
#include <uapi/linux/netdev.h>

#include "devmem.h"

/* Bindings created through this family, each owned by the requesting
 * socket (held, with its net and portid).  rtnl protects the list.
 */
static LIST_HEAD(netdev_nl_bindings);

static struct genl_family netdev_nl_family;

/* Policies as mainline's netdev.yaml: one per operation, strict (the
 * family's resv_start_op is 0, so unknown attributes are rejected).
 */
static const struct nla_policy netdev_queue_id_nl_policy[NETDEV_A_QUEUE_TYPE + 1] = {
	[NETDEV_A_QUEUE_ID]	= { .type = NLA_U32 },
	[NETDEV_A_QUEUE_TYPE]	= NLA_POLICY_MAX(NLA_U32, NETDEV_QUEUE_TYPE_TX),
};

static const struct nla_policy netdev_bind_rx_nl_policy[NETDEV_A_DMABUF_FD + 1] = {
	[NETDEV_A_DMABUF_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[NETDEV_A_DMABUF_QUEUES]  = NLA_POLICY_NESTED(netdev_queue_id_nl_policy),
	[NETDEV_A_DMABUF_FD]	  = { .type = NLA_U32 },
};

static const struct nla_policy netdev_bind_tx_nl_policy[NETDEV_A_DMABUF_FD + 1] = {
	[NETDEV_A_DMABUF_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[NETDEV_A_DMABUF_FD]	  = { .type = NLA_U32 },
};

/* 6.1 has one policy per op: the do request uses all three attributes,
 * the dump only IFINDEX (its start callback rejects the others).
 */
static const struct nla_policy netdev_queue_get_nl_policy[NETDEV_A_QUEUE_TYPE + 1] = {
	[NETDEV_A_QUEUE_ID]	 = { .type = NLA_U32 },
	[NETDEV_A_QUEUE_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[NETDEV_A_QUEUE_TYPE]	 = NLA_POLICY_MAX(NLA_U32, NETDEV_QUEUE_TYPE_TX),
};

/* Must be called with rtnl held; the device must be up and @q_idx valid */
static int netdev_nl_queue_fill_one(struct sk_buff *rsp,
				    struct net_device *netdev, u32 q_idx,
				    u32 q_type, u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(rsp, portid, seq, &netdev_nl_family, flags,
			  NETDEV_CMD_QUEUE_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(rsp, NETDEV_A_QUEUE_ID, q_idx) ||
	    nla_put_u32(rsp, NETDEV_A_QUEUE_TYPE, q_type) ||
	    nla_put_u32(rsp, NETDEV_A_QUEUE_IFINDEX, netdev->ifindex))
		goto err_cancel_msg;

	if (q_type == NETDEV_QUEUE_TYPE_RX) {
		struct netdev_rx_queue *rxq = __netif_get_rx_queue(netdev,
								   q_idx);
		const struct pp_memory_provider_params *p = &rxq->mp_params;

		if (p->mp_ops && p->mp_ops->nl_fill &&
		    p->mp_ops->nl_fill(p->mp_priv, rsp, rxq))
			goto err_cancel_msg;
	}

	genlmsg_end(rsp, hdr);
	return 0;

err_cancel_msg:
	genlmsg_cancel(rsp, hdr);
	return -EMSGSIZE;
}

static int netdev_nl_queue_validate(struct net_device *netdev, u32 q_idx,
				    u32 q_type)
{
	switch (q_type) {
	case NETDEV_QUEUE_TYPE_RX:
		return q_idx < netdev->real_num_rx_queues ? 0 : -EINVAL;
	case NETDEV_QUEUE_TYPE_TX:
		return q_idx < netdev->real_num_tx_queues ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/* QUEUE_GET do: one queue of one device (as mainline: ID, TYPE and
 * IFINDEX required; -ENODEV unknown device; -ENOENT device down; -EINVAL
 * queue out of range).
 */
static int netdev_nl_queue_get_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	u32 q_id, q_type, ifindex;
	struct net_device *netdev;
	struct sk_buff *rsp;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NETDEV_A_QUEUE_ID) ||
	    GENL_REQ_ATTR_CHECK(info, NETDEV_A_QUEUE_TYPE) ||
	    GENL_REQ_ATTR_CHECK(info, NETDEV_A_QUEUE_IFINDEX))
		return -EINVAL;

	q_id = nla_get_u32(info->attrs[NETDEV_A_QUEUE_ID]);
	q_type = nla_get_u32(info->attrs[NETDEV_A_QUEUE_TYPE]);
	ifindex = nla_get_u32(info->attrs[NETDEV_A_QUEUE_IFINDEX]);

	rsp = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;

	rtnl_lock();

	netdev = __dev_get_by_index(genl_info_net(info), ifindex);
	if (!netdev) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETDEV_A_QUEUE_IFINDEX],
				    "no such device");
		err = -ENODEV;
		goto err_unlock;
	}
	if (!(netdev->flags & IFF_UP)) {
		NL_SET_ERR_MSG(info->extack, "device is down");
		err = -ENOENT;
		goto err_unlock;
	}
	err = netdev_nl_queue_validate(netdev, q_id, q_type);
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETDEV_A_QUEUE_ID],
				    "queue index out of range");
		goto err_unlock;
	}

	err = netdev_nl_queue_fill_one(rsp, netdev, q_id, q_type,
				       info->snd_portid, info->snd_seq, 0);
	if (err)
		goto err_unlock;

	rtnl_unlock();
	return genlmsg_reply(rsp, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(rsp);
	return err;
}

static int netdev_nl_queue_get_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);

	/* mainline's dump request policy has IFINDEX only */
	if (info->attrs &&
	    (info->attrs[NETDEV_A_QUEUE_ID] || info->attrs[NETDEV_A_QUEUE_TYPE])) {
		NL_SET_ERR_MSG(cb->extack, "queue dump takes only an ifindex");
		return -EINVAL;
	}
	return 0;
}

/* Dump state: cb->args[0] = device position in the netns, [1] = next RX
 * queue, [2] = next TX queue of that device.
 */
static int netdev_nl_queue_dump_one(struct sk_buff *rsp,
				    struct net_device *netdev,
				    struct netlink_callback *cb)
{
	u32 portid = NETLINK_CB(cb->skb).portid;
	u32 seq = cb->nlh->nlmsg_seq;
	int err;

	if (!(netdev->flags & IFF_UP))
		return 0;

	for (; cb->args[1] < netdev->real_num_rx_queues; cb->args[1]++) {
		err = netdev_nl_queue_fill_one(rsp, netdev, cb->args[1],
					       NETDEV_QUEUE_TYPE_RX, portid,
					       seq, NLM_F_MULTI);
		if (err)
			return err;
	}
	for (; cb->args[2] < netdev->real_num_tx_queues; cb->args[2]++) {
		err = netdev_nl_queue_fill_one(rsp, netdev, cb->args[2],
					       NETDEV_QUEUE_TYPE_TX, portid,
					       seq, NLM_F_MULTI);
		if (err)
			return err;
	}
	return 0;
}

static int netdev_nl_queue_get_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct net *net = sock_net(skb->sk);
	struct net_device *netdev;
	long pos = 0;
	int err = 0;

	rtnl_lock();

	if (info->attrs && info->attrs[NETDEV_A_QUEUE_IFINDEX]) {
		u32 ifindex = nla_get_u32(info->attrs[NETDEV_A_QUEUE_IFINDEX]);

		netdev = __dev_get_by_index(net, ifindex);
		if (!netdev) {
			NL_SET_ERR_MSG(cb->extack, "no such device");
			err = -ENODEV;
		} else {
			err = netdev_nl_queue_dump_one(skb, netdev, cb);
		}
		goto out_unlock;
	}

	for_each_netdev(net, netdev) {
		if (pos++ < cb->args[0])
			continue;
		err = netdev_nl_queue_dump_one(skb, netdev, cb);
		if (err)
			goto out_unlock;
		cb->args[0] = pos;
		cb->args[1] = 0;
		cb->args[2] = 0;
	}

out_unlock:
	rtnl_unlock();
	/* A full skb ends this round; the next one resumes from cb->args */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* rtnl held.  The owner reference is never the socket's last: a closing
 * socket holds its own until its NETLINK_URELEASE has unbound its
 * bindings, so the socket is not freed under rtnl here.
 */
static void netdev_nl_unbind(struct net_devmem_dmabuf_binding *binding)
{
	list_del_init(&binding->list);
	sock_put(binding->owner_sk);
	binding->owner_sk = NULL;
	net_devmem_unbind_dmabuf(binding);
}

/* rtnl held; @skb is the request, sent by the owner socket */
static void netdev_nl_add_binding(struct net_devmem_dmabuf_binding *binding,
				  struct sk_buff *skb, struct genl_info *info)
{
	binding->owner_net = genl_info_net(info);
	binding->owner_portid = info->snd_portid;
	binding->owner_sk = NETLINK_CB(skb).sk;
	sock_hold(binding->owner_sk);
	list_add(&binding->list, &netdev_nl_bindings);
}

/* The reply to a bind request: a genl message with the request's command
 * (ERR_PTR(-ENOMEM), or -EMSGSIZE if the header does not fit).  *@hdr is
 * its header, for netdev_nl_bind_reply().
 */
static struct sk_buff *netdev_nl_bind_reply_new(struct genl_info *info,
						void **hdr)
{
	struct sk_buff *rsp;

	rsp = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!rsp)
		return ERR_PTR(-ENOMEM);

	*hdr = genlmsg_put_reply(rsp, info, &netdev_nl_family, 0,
				 info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(rsp);
		return ERR_PTR(-EMSGSIZE);
	}
	return rsp;
}

/* The device NETDEV_A_DMABUF_IFINDEX names, if it exists and is present
 * (-ENODEV with an extack message otherwise).  rtnl held.
 */
static struct net_device *netdev_nl_bind_get_dev(struct genl_info *info)
{
	struct net_device *netdev;
	u32 ifindex;

	ifindex = nla_get_u32(info->attrs[NETDEV_A_DMABUF_IFINDEX]);
	netdev = __dev_get_by_index(genl_info_net(info), ifindex);
	if (!netdev || !netif_device_present(netdev)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETDEV_A_DMABUF_IFINDEX],
				    "no such device");
		return ERR_PTR(-ENODEV);
	}
	return netdev;
}

/* Send @rsp with the binding's NETDEV_A_DMABUF_ID and, once it is sent,
 * tie @binding to the requesting socket.  As in mainline the reply goes
 * out before the binding is committed: if it cannot be sent, the error is
 * returned and the caller undoes the binding.  @rsp is consumed.  rtnl
 * held.
 */
static int netdev_nl_bind_reply(struct net_devmem_dmabuf_binding *binding,
				struct sk_buff *rsp, void *hdr,
				struct sk_buff *skb, struct genl_info *info)
{
	int err;

	err = nla_put_u32(rsp, NETDEV_A_DMABUF_ID, binding->id);
	if (err) {
		nlmsg_free(rsp);
		return err;
	}

	/* genlmsg_reply() consumes rsp even when it fails */
	genlmsg_end(rsp, hdr);
	err = genlmsg_reply(rsp, info);
	if (err)
		return err;

	netdev_nl_add_binding(binding, skb, info);
	return 0;
}

/* Check every QUEUES nest before binding anything (mainline 6.18 order):
 * ID and TYPE present, TYPE == RX, ID < real_num_rx_queues; collect the
 * ids in @rxq_bitmap (real_num_rx_queues bits), so that a queue named
 * twice is bound once.  rtnl held.
 */
static int netdev_nl_bind_rx_check_queues(struct net_device *netdev,
					  struct genl_info *info,
					  unsigned long *rxq_bitmap)
{
	struct nlattr *tb[ARRAY_SIZE(netdev_queue_id_nl_policy)];
	struct nlattr *attr;
	int rem, err;
	u32 rxq_idx;

	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(attr) != NETDEV_A_DMABUF_QUEUES)
			continue;

		err = nla_parse_nested(tb, ARRAY_SIZE(tb) - 1, attr,
				       netdev_queue_id_nl_policy,
				       info->extack);
		if (err < 0)
			return err;

		if (NL_REQ_ATTR_CHECK(info->extack, attr, tb,
				      NETDEV_A_QUEUE_ID) ||
		    NL_REQ_ATTR_CHECK(info->extack, attr, tb,
				      NETDEV_A_QUEUE_TYPE))
			return -EINVAL;

		if (nla_get_u32(tb[NETDEV_A_QUEUE_TYPE]) !=
		    NETDEV_QUEUE_TYPE_RX) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[NETDEV_A_QUEUE_TYPE],
					    "only rx queues can be bound to a dmabuf");
			return -EINVAL;
		}

		rxq_idx = nla_get_u32(tb[NETDEV_A_QUEUE_ID]);
		if (rxq_idx >= netdev->real_num_rx_queues) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[NETDEV_A_QUEUE_ID],
					    "rx queue index out of range");
			return -EINVAL;
		}
		__set_bit(rxq_idx, rxq_bitmap);
	}
	return 0;
}

/* BIND_RX: bind a dma-buf to RX queues (admin only).  A queue named more
 * than once is bound once.  Errnos as in mainline-devmem.md 3.4: missing
 * attribute -EINVAL; unknown or absent device -ENODEV; no queue API
 * -EOPNOTSUPP; bad queue nest -EINVAL; -ENOMEM; the dma_buf_get() error
 * for a bad fd; the net_mp_open_rxq() errors.  On success the reply
 * carries NETDEV_A_DMABUF_ID; as in mainline it is sent before the
 * binding is committed, and if it cannot be sent (the genlmsg_reply()
 * error is returned) the binding is undone.
 */
static int netdev_nl_bind_rx_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_devmem_dmabuf_binding *binding;
	unsigned long *rxq_bitmap;
	struct net_device *netdev;
	u32 dmabuf_fd, rxq_idx;
	struct sk_buff *rsp;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NETDEV_A_DMABUF_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, NETDEV_A_DMABUF_FD) ||
	    GENL_REQ_ATTR_CHECK(info, NETDEV_A_DMABUF_QUEUES))
		return -EINVAL;

	dmabuf_fd = nla_get_u32(info->attrs[NETDEV_A_DMABUF_FD]);

	rsp = netdev_nl_bind_reply_new(info, &hdr);
	if (IS_ERR(rsp))
		return PTR_ERR(rsp);

	rtnl_lock();

	netdev = netdev_nl_bind_get_dev(info);
	if (IS_ERR(netdev)) {
		err = PTR_ERR(netdev);
		goto err_unlock;
	}

	if (!netdev->queue_mgmt_ops) {
		NL_SET_ERR_MSG(info->extack,
			       "device does not support memory providers (no queue management)");
		err = -EOPNOTSUPP;
		goto err_unlock;
	}

	rxq_bitmap = bitmap_zalloc(netdev->real_num_rx_queues, GFP_KERNEL);
	if (!rxq_bitmap) {
		err = -ENOMEM;
		goto err_unlock;
	}

	err = netdev_nl_bind_rx_check_queues(netdev, info, rxq_bitmap);
	if (err)
		goto err_free_bitmap;

	binding = net_devmem_bind_dmabuf(netdev, DMA_FROM_DEVICE, dmabuf_fd,
					 info->extack);
	if (IS_ERR(binding)) {
		err = PTR_ERR(binding);
		goto err_free_bitmap;
	}

	for_each_set_bit(rxq_idx, rxq_bitmap, netdev->real_num_rx_queues) {
		err = net_devmem_bind_dmabuf_to_queue(netdev, rxq_idx, binding,
						      info->extack);
		if (err)
			goto err_unbind;
	}

	err = netdev_nl_bind_reply(binding, rsp, hdr, skb, info);
	rsp = NULL;
	if (err)
		goto err_unbind;

	bitmap_free(rxq_bitmap);
	rtnl_unlock();
	return 0;

err_unbind:
	net_devmem_unbind_dmabuf(binding);
err_free_bitmap:
	bitmap_free(rxq_bitmap);
err_unlock:
	rtnl_unlock();
	nlmsg_free(rsp);
	return err;
}

/* BIND_TX: bind a dma-buf for transmission.  As in mainline, this needs no
 * CAP_NET_ADMIN: it only lets the caller send, from its own sockets, data
 * that already sits in a dma-buf it holds a descriptor for (the TX
 * counterpart of MSG_ZEROCOPY from its own memory).  Nothing is installed
 * on the device's queues, no other user's traffic is affected, and the
 * DMA mapping it creates is bounded by the caller's dma-buf and undone
 * when the socket closes.
 * Errnos: missing attribute -EINVAL; unknown or absent device -ENODEV;
 * driver without netmem TX -EOPNOTSUPP; the dma_buf_get() error for a bad
 * fd; binding errors.  Reply: NETDEV_A_DMABUF_ID, sent before the binding
 * is committed; if it cannot be sent (the genlmsg_reply() error is
 * returned) the binding is undone, as in mainline.
 */
static int netdev_nl_bind_tx_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_devmem_dmabuf_binding *binding;
	struct net_device *netdev;
	struct sk_buff *rsp;
	u32 dmabuf_fd;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NETDEV_A_DMABUF_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, NETDEV_A_DMABUF_FD))
		return -EINVAL;

	dmabuf_fd = nla_get_u32(info->attrs[NETDEV_A_DMABUF_FD]);

	rsp = netdev_nl_bind_reply_new(info, &hdr);
	if (IS_ERR(rsp))
		return PTR_ERR(rsp);

	rtnl_lock();

	netdev = netdev_nl_bind_get_dev(info);
	if (IS_ERR(netdev)) {
		err = PTR_ERR(netdev);
		goto err_unlock;
	}

	if (!netdev->netmem_tx) {
		NL_SET_ERR_MSG(info->extack,
			       "Driver does not support netmem TX");
		err = -EOPNOTSUPP;
		goto err_unlock;
	}

	binding = net_devmem_bind_dmabuf(netdev, DMA_TO_DEVICE, dmabuf_fd,
					 info->extack);
	if (IS_ERR(binding)) {
		err = PTR_ERR(binding);
		goto err_unlock;
	}

	err = netdev_nl_bind_reply(binding, rsp, hdr, skb, info);
	rsp = NULL;
	if (err)
		goto err_unbind;

	rtnl_unlock();
	return 0;

err_unbind:
	net_devmem_unbind_dmabuf(binding);
err_unlock:
	rtnl_unlock();
	nlmsg_free(rsp);
	return err;
}

static const struct genl_ops netdev_nl_ops[] = {
	{
		.cmd		= NETDEV_CMD_QUEUE_GET,
		.doit		= netdev_nl_queue_get_doit,
		.start		= netdev_nl_queue_get_start,
		.dumpit		= netdev_nl_queue_get_dumpit,
		.policy		= netdev_queue_get_nl_policy,
		.maxattr	= NETDEV_A_QUEUE_TYPE,
	},
	{
		.cmd		= NETDEV_CMD_BIND_RX,
		.doit		= netdev_nl_bind_rx_doit,
		.policy		= netdev_bind_rx_nl_policy,
		.maxattr	= NETDEV_A_DMABUF_FD,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= NETDEV_CMD_BIND_TX,
		.doit		= netdev_nl_bind_tx_doit,
		.policy		= netdev_bind_tx_nl_policy,
		.maxattr	= NETDEV_A_DMABUF_FD,
	},
};

enum {
	NETDEV_NLGRP_MGMT,
	NETDEV_NLGRP_PAGE_POOL,
};

/* Registered for tools that resolve them; nothing is sent on them yet */
static const struct genl_multicast_group netdev_nl_mcgrps[] = {
	[NETDEV_NLGRP_MGMT]	 = { .name = NETDEV_MCGRP_MGMT, },
	[NETDEV_NLGRP_PAGE_POOL] = { .name = NETDEV_MCGRP_PAGE_POOL, },
};

static struct genl_family netdev_nl_family __ro_after_init = {
	.name		= NETDEV_FAMILY_NAME,
	.version	= NETDEV_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= netdev_nl_ops,
	.n_ops		= ARRAY_SIZE(netdev_nl_ops),
	.mcgrps		= netdev_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(netdev_nl_mcgrps),
	/* resv_start_op = 0: every command is strictly validated */
};

/* A netlink socket is closing: unbind the bindings it owns.  Its portid
 * was freed before NETLINK_URELEASE, and we wait for rtnl, so by now a new
 * socket may have the same (net, portid) and bindings of its own: match
 * only owners that are dead (sock_orphan() runs before NETLINK_URELEASE).
 */
static int netdev_nl_netlink_notify(struct notifier_block *nb,
				    unsigned long state, void *ptr)
{
	struct net_devmem_dmabuf_binding *binding, *tmp;
	struct netlink_notify *n = ptr;

	if (state != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !n->portid)
		return NOTIFY_DONE;

	/* Every generic netlink socket closes through here: skip rtnl when
	 * there is no binding at all (read without rtnl, hence _careful).
	 * A binding of this socket was added in its own sendmsg(), before
	 * its release started, so it is visible here.
	 */
	if (list_empty_careful(&netdev_nl_bindings))
		return NOTIFY_DONE;

	rtnl_lock();
	list_for_each_entry_safe(binding, tmp, &netdev_nl_bindings, list)
		if (binding->owner_net == n->net &&
		    binding->owner_portid == n->portid &&
		    sock_flag(binding->owner_sk, SOCK_DEAD))
			netdev_nl_unbind(binding);
	rtnl_unlock();

	return NOTIFY_OK;
}

static struct notifier_block netdev_nl_netlink_nb = {
	.notifier_call = netdev_nl_netlink_notify,
};

/* The device goes away (unregister or netns change): unbind its bindings.
 * dev_memory_provider_uninstall() already dropped the RX queues of an
 * unregistering device.
 */
static int netdev_nl_netdevice_event(struct notifier_block *nb,
				     unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct net_devmem_dmabuf_binding *binding, *tmp;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;

	list_for_each_entry_safe(binding, tmp, &netdev_nl_bindings, list) {
		if (binding->dev != dev)
			continue;
		/* unlike a plain unbind, nothing may leave through a device
		 * that goes away, TX bindings included
		 */
		WRITE_ONCE(binding->dev, NULL);
		netdev_nl_unbind(binding);
	}
	/* and TX bindings already unbound that skbs still hold */
	net_devmem_tx_unregister_dev(dev);

	return NOTIFY_OK;
}

static struct notifier_block netdev_nl_netdevice_nb = {
	.notifier_call = netdev_nl_netdevice_event,
};

static int __init netdev_nl_init(void)
{
	int err;

	err = register_netdevice_notifier(&netdev_nl_netdevice_nb);
	if (err)
		return err;

	err = netlink_register_notifier(&netdev_nl_netlink_nb);
	if (err)
		goto err_unregister_netdevice_nb;

	err = genl_register_family(&netdev_nl_family);
	if (err)
		goto err_unregister_netlink_nb;

	return 0;

err_unregister_netlink_nb:
	netlink_unregister_notifier(&netdev_nl_netlink_nb);
err_unregister_netdevice_nb:
	unregister_netdevice_notifier(&netdev_nl_netdevice_nb);
	return err;
}

subsys_initcall(netdev_nl_init);
