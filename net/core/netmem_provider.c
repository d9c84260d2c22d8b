// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Memory providers on RX queues: install a provider (for devmem TCP: a
 * dma-buf binding) on an RX queue, restart the queue so that the driver's
 * new page_pool picks it up, and take it off again.
 *
 * Linux 6.1 has no queue management API; a driver offers one operation,
 * struct netdev_queue_mgmt_ops.ndo_queue_restart.  The checks and errnos
 * follow mainline's __net_mp_open_rxq() (net/core/netdev_rx_queue.c,
 * 6.15) and netdev_rx_queue_restart().
 */

#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/netdevice.h>
#include <linux/nospec.h>
#include <linux/rtnetlink.h>
#include <linux/poison.h>
#include <net/netmem_provider.h>
#include <net/page_pool.h>
#include <kunit/visibility.h>

/* Header split is on, as ethtool reports it (6.1 has no dev->cfg) */
static bool netdev_tcp_data_split_enabled(struct net_device *dev)
{
	struct kernel_ethtool_ringparam kring = {};
	struct ethtool_ringparam ring = {};

	if (!dev->ethtool_ops || !dev->ethtool_ops->get_ringparam)
		return false;

	dev->ethtool_ops->get_ringparam(dev, &ring, &kring, NULL);
	return kring.tcp_data_split == ETHTOOL_TCP_DATA_SPLIT_ENABLED;
}

/**
 * net_mp_open_rxq() - install a memory provider on an RX queue
 * @dev: the device
 * @rxq_idx: the RX queue
 * @p: the provider (its ops and private state)
 * @extack: netlink extended ack for the error messages
 *
 * Checks that the queue can take a provider, sets the queue's mp_params
 * and restarts the queue through dev->queue_mgmt_ops so that the driver's
 * new page_pool (PP_FLAG_ALLOW_UNREADABLE_NETMEM) takes its buffers from
 * the provider.  On failure mp_params is cleared again.  Checks and errnos
 * as in mainline __net_mp_open_rxq().  A device that is down is not
 * restarted by the driver (nothing runs); its next open creates the pool,
 * so the "driver ignored the provider" check applies only to running
 * devices.
 *
 * Context: process, rtnl held.
 *
 * Return: 0 on success;
 * -EOPNOTSUPP if the driver has no queue_mgmt_ops;
 * -ERANGE if @rxq_idx is not below real_num_rx_queues;
 * -EINVAL if header split (tcp-data-split) is not enabled;
 * -EEXIST if an XDP program is attached or the queue already has a provider;
 * -EBUSY if an AF_XDP socket uses the queue;
 * -ENODATA if the driver restarted the queue without using the provider;
 * or the driver's restart error.
 */
int net_mp_open_rxq(struct net_device *dev, unsigned int rxq_idx,
		    const struct pp_memory_provider_params *p,
		    struct netlink_ext_ack *extack)
{
	struct netdev_rx_queue *rxq;
	unsigned int gen;
	int err;

	ASSERT_RTNL();

	if (!dev->queue_mgmt_ops || !dev->queue_mgmt_ops->ndo_queue_restart) {
		NL_SET_ERR_MSG(extack, "device does not support queue management");
		return -EOPNOTSUPP;
	}
	if (rxq_idx >= dev->real_num_rx_queues) {
		NL_SET_ERR_MSG(extack, "rx queue index out of range");
		return -ERANGE;
	}
	rxq_idx = array_index_nospec(rxq_idx, dev->real_num_rx_queues);

	if (!netdev_tcp_data_split_enabled(dev)) {
		NL_SET_ERR_MSG(extack, "tcp-data-split is disabled");
		return -EINVAL;
	}
	if (dev_xdp_prog_count(dev)) {
		NL_SET_ERR_MSG(extack,
			       "unable to custom memory provider to device with XDP program attached");
		return -EEXIST;
	}

	rxq = __netif_get_rx_queue(dev, rxq_idx);
	if (rxq->mp_params.mp_ops) {
		NL_SET_ERR_MSG(extack, "designated queue already memory provider bound");
		return -EEXIST;
	}
#ifdef CONFIG_XDP_SOCKETS
	if (rxq->pool) {
		NL_SET_ERR_MSG(extack, "designated queue already in use by AF_XDP");
		return -EBUSY;
	}
#endif

	rxq->mp_params = *p;
	gen = rxq->mp_pool_gen;

	err = dev->queue_mgmt_ops->ndo_queue_restart(dev, rxq_idx, extack);
	if (err)
		goto err_clear_params;

	/* As mainline's page_pool_check_memory_provider(): the restarted
	 * queue must have created a pool that took the provider.  The
	 * queue runs on ordinary pages then, so clearing mp_params is
	 * enough to undo.
	 */
	if (netif_running(dev) && rxq->mp_pool_gen == gen) {
		NL_SET_ERR_MSG(extack, "driver ignored the memory provider");
		err = -ENODATA;
		goto err_clear_params;
	}

	return 0;

err_clear_params:
	rxq->mp_params.mp_ops = NULL;
	rxq->mp_params.mp_priv = NULL;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(net_mp_open_rxq);

/**
 * net_mp_close_rxq() - take a memory provider off an RX queue
 * @dev: the device
 * @rxq_idx: the RX queue
 * @old: the provider net_mp_open_rxq() installed
 *
 * Clears the queue's mp_params and restarts the queue so that the driver
 * goes back to ordinary pages; the provider's page_pool is destroyed by the
 * driver and freed once every net_iov came back.  Does nothing if the
 * provider is already gone (uninstalled at device unregister).  A restart
 * failure other than -ENETDOWN is warned about (as in mainline).
 *
 * Context: process, rtnl held.
 */
void net_mp_close_rxq(struct net_device *dev, unsigned int rxq_idx,
		      const struct pp_memory_provider_params *old)
{
	struct netdev_rx_queue *rxq;
	int err;

	ASSERT_RTNL();

	if (WARN_ON_ONCE(rxq_idx >= dev->num_rx_queues))
		return;

	rxq = __netif_get_rx_queue(dev, rxq_idx);
	if (!rxq->mp_params.mp_ops)
		return;	/* uninstalled by dev_memory_provider_uninstall() */
	if (WARN_ON_ONCE(rxq->mp_params.mp_ops != old->mp_ops ||
			 rxq->mp_params.mp_priv != old->mp_priv))
		return;

	rxq->mp_params.mp_ops = NULL;
	rxq->mp_params.mp_priv = NULL;

	/* A queue beyond real_num_rx_queues has no ring to restart */
	if (rxq_idx >= dev->real_num_rx_queues || !dev->queue_mgmt_ops)
		return;

	err = dev->queue_mgmt_ops->ndo_queue_restart(dev, rxq_idx, NULL);
	WARN(err && err != -ENETDOWN,
	     "%s: RX queue %u may be unhealthy after removing its memory provider: %d\n",
	     netdev_name(dev), rxq_idx, err);
}
EXPORT_SYMBOL_IF_KUNIT(net_mp_close_rxq);

/**
 * net_mp_rxq_provider_failed() - a driver could not use a queue's provider
 * @dev: the device
 * @rxq_idx: the RX queue
 * @err: why: the error of page_pool_create() for the queue
 *
 * For a driver that rebuilds an RX queue on its own (at open, after a
 * reset or an MTU change) and could not create the queue's page_pool with
 * the memory provider installed on it.  A driver that then goes on with
 * an ordinary page_pool, rather than leaving the queue without buffers,
 * calls this, so that the queue is not reported as bound while it
 * receives into host memory: the provider is told it lost the queue
 * (mp_ops->uninstall, as at unregister) and the queue's mp_params are
 * cleared, so that queue-get reports no dma-buf and unbinding leaves the
 * queue alone.  The loss is logged.  Mainline drivers fail the open
 * instead; a failed provider restart of net_mp_open_rxq() is reported by
 * that function (-ENODATA), which clears the queue itself.
 *
 * Context: process, rtnl held.
 */
void net_mp_rxq_provider_failed(struct net_device *dev, unsigned int rxq_idx,
				int err)
{
	struct pp_memory_provider_params *p;
	struct netdev_rx_queue *rxq;

	ASSERT_RTNL();

	if (WARN_ON_ONCE(rxq_idx >= dev->num_rx_queues))
		return;

	rxq = __netif_get_rx_queue(dev, rxq_idx);
	p = &rxq->mp_params;
	if (!p->mp_ops)
		return;

	netdev_err(dev, "RX queue %u lost its memory provider (%pe): receiving into host memory\n",
		   rxq_idx, ERR_PTR(err));
	if (p->mp_ops->uninstall)
		p->mp_ops->uninstall(p->mp_priv, rxq);
	p->mp_ops = NULL;
	p->mp_priv = NULL;
}
EXPORT_SYMBOL(net_mp_rxq_provider_failed);

/**
 * dev_has_memory_provider() - does any RX queue of a device have a provider?
 * @dev: the device
 *
 * Context: rtnl held.
 *
 * Return: true if a memory provider is installed on one of @dev's RX
 * queues (used to refuse XDP, which needs readable buffers).
 */
bool dev_has_memory_provider(const struct net_device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->num_rx_queues; i++)
		if (dev->_rx[i].mp_params.mp_ops)
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(dev_has_memory_provider);

/**
 * dev_get_min_mp_channel_count() - RX channels a device's providers need
 * @dev: the device
 *
 * For the ethtool channel checks (ethnl_set_channels(),
 * ethtool_set_channels()), as mainline's dev_get_min_mp_channel_count():
 * the RX channel count must not drop below a queue with a provider.
 *
 * Context: rtnl held.
 *
 * Return: the highest index of an RX queue (below real_num_rx_queues)
 * with a memory provider plus 1, or 0 if no such queue has one.
 */
u32 dev_get_min_mp_channel_count(const struct net_device *dev)
{
	unsigned int i;

	ASSERT_RTNL();

	for (i = dev->real_num_rx_queues; i > 0; i--)
		if (dev->_rx[i - 1].mp_params.mp_ops)
			return i;
	return 0;
}

/**
 * dev_memory_provider_uninstall() - forget every provider of a device
 * @dev: the device being unregistered
 *
 * Called from unregister_netdevice_many_notify() (next to
 * dev_xdp_uninstall()), after the device was closed.  Tells each
 * provider (mp_ops->uninstall) that its queue is going away and clears
 * the queue's mp_params; no restart, the device is down.  As mainline's
 * dev_memory_provider_uninstall().
 *
 * Context: process, rtnl held.
 */
void dev_memory_provider_uninstall(struct net_device *dev)
{
	unsigned int i;

	ASSERT_RTNL();

	for (i = 0; i < dev->num_rx_queues; i++) {
		struct netdev_rx_queue *rxq = &dev->_rx[i];
		struct pp_memory_provider_params *p = &rxq->mp_params;

		if (!p->mp_ops)
			continue;
		if (p->mp_ops->uninstall)
			p->mp_ops->uninstall(p->mp_priv, rxq);
		p->mp_ops = NULL;
		p->mp_priv = NULL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(dev_memory_provider_uninstall);

/**
 * net_mp_niov_set_page_pool() - hand a provider's net_iov to a page_pool
 * @pool: the pool
 * @niov: the net_iov the provider allocates for @pool
 *
 * Marks @niov as owned by @pool (pp, PP_SIGNATURE in pp_magic) with one
 * page_pool reference (pp_ref_count = 1) for the allocating driver.  For
 * use in memory_provider_ops.alloc_netmems.  Any context.
 */
void net_mp_niov_set_page_pool(struct page_pool *pool, struct net_iov *niov)
{
	niov->pp = pool;
	niov->pp_magic = PP_SIGNATURE;
	atomic_long_set(&niov->pp_ref_count, 1);
}
EXPORT_SYMBOL_IF_KUNIT(net_mp_niov_set_page_pool);

/**
 * net_mp_niov_clear_page_pool() - take a net_iov back from its page_pool
 * @niov: the net_iov
 *
 * Undoes net_mp_niov_set_page_pool(); for use in
 * memory_provider_ops.release_netmem before the provider frees @niov.
 * Any context.
 */
void net_mp_niov_clear_page_pool(struct net_iov *niov)
{
	niov->pp_magic = 0;
	niov->pp = NULL;
	atomic_long_set(&niov->pp_ref_count, 0);
}
EXPORT_SYMBOL_IF_KUNIT(net_mp_niov_clear_page_pool);
