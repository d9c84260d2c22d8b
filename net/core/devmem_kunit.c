// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests for devmem TCP: the dma-buf binding's chunk allocator, the
 * page_pool memory provider, the RX queue provider install/uninstall and
 * binding a dma-buf.  No NIC is needed: a fake (never registered) net_device
 * supplies queue_mgmt_ops and ethtool ringparam, and a fake dma-buf
 * exporter supplies scatterlists with made-up device addresses (nothing is
 * ever DMAed).
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genalloc.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <net/netmem.h>
#include <net/netmem_provider.h>
#include <net/page_pool.h>

#include "devmem.h"

MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define DM_PAGES(n)	((size_t)(n) * PAGE_SIZE)

static int dm_add(struct net_devmem_dmabuf_binding *binding, dma_addr_t dma,
		  size_t len, unsigned long offset)
{
	return net_devmem_dmabuf_binding_add_chunk(binding, dma, len, offset,
						   NULL);
}

/* --- chunk layer -------------------------------------------------------- */

static void devmem_test_binding_alloc_args(struct kunit *test)
{
	struct net_devmem_dmabuf_binding *binding;

	binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_BIDIRECTIONAL,
						  DM_PAGES(4));
	KUNIT_EXPECT_EQ(test, PTR_ERR(binding), -EINVAL);

	binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_FROM_DEVICE,
						  PAGE_SIZE - 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(binding), -EINVAL);

	binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_FROM_DEVICE,
						  DM_PAGES(4));
	KUNIT_ASSERT_FALSE(test, IS_ERR(binding));
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 1);
	KUNIT_EXPECT_NULL(test, binding->tx_vec);
	KUNIT_EXPECT_EQ(test, binding->id, 0U);
	KUNIT_EXPECT_EQ(test, gen_pool_size(binding->chunk_pool), (size_t)0);
	/* an empty pool has nothing to hand out */
	KUNIT_EXPECT_NULL(test, net_devmem_alloc_dmabuf(binding));
	net_devmem_dmabuf_binding_put(binding);
}

static void devmem_test_add_chunk_checks(struct kunit *test)
{
	struct net_devmem_dmabuf_binding *binding;

	binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_FROM_DEVICE,
						  DM_PAGES(4));
	KUNIT_ASSERT_FALSE(test, IS_ERR(binding));

	/* misaligned address, length, offset; empty; outside the dma-buf */
	KUNIT_EXPECT_EQ(test, dm_add(binding, 0x100000 + 8, DM_PAGES(1), 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dm_add(binding, 0x100000, PAGE_SIZE + 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dm_add(binding, 0x100000, DM_PAGES(1), 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, dm_add(binding, 0x100000, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dm_add(binding, 0x100000, DM_PAGES(2), DM_PAGES(3)), -EINVAL);
	KUNIT_EXPECT_EQ(test, dm_add(binding, 0x100000, DM_PAGES(5), 0), -EINVAL);
	/* nothing was added by the failures */
	KUNIT_EXPECT_EQ(test, gen_pool_size(binding->chunk_pool), (size_t)0);

	KUNIT_EXPECT_EQ(test, dm_add(binding, 0x100000, DM_PAGES(4), 0), 0);
	KUNIT_EXPECT_EQ(test, gen_pool_size(binding->chunk_pool), DM_PAGES(4));
	net_devmem_dmabuf_binding_put(binding);
}

/* Two segments, the first at device address 0 (gen_pool's "no memory"
 * value must not make it unusable): every page is handed out exactly
 * once, exhaustion gives NULL, frees make all of it available again.
 */
static void devmem_test_alloc_every_chunk(struct kunit *test)
{
	const size_t npages = 16;
	struct net_devmem_dmabuf_binding *binding;
	struct net_iov *niovs[16];
	unsigned long seen = 0;
	bool got_dma_zero = false;
	size_t i, round;

	binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_FROM_DEVICE,
						  DM_PAGES(npages));
	KUNIT_ASSERT_FALSE(test, IS_ERR(binding));
	KUNIT_ASSERT_EQ(test, dm_add(binding, 0, DM_PAGES(4), 0), 0);
	KUNIT_ASSERT_EQ(test, dm_add(binding, 0x40000000, DM_PAGES(12), DM_PAGES(4)), 0);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool),
			DM_PAGES(npages));

	for (round = 0; round < 2; round++) {
		seen = 0;
		for (i = 0; i < npages; i++) {
			struct dmabuf_genpool_chunk_owner *owner;
			unsigned long off, page;

			niovs[i] = net_devmem_alloc_dmabuf(binding);
			KUNIT_ASSERT_NOT_NULL(test, niovs[i]);
			KUNIT_EXPECT_TRUE(test, net_is_devmem_iov(niovs[i]));
			KUNIT_EXPECT_PTR_EQ(test,
					    net_devmem_iov_binding(niovs[i]),
					    binding);

			off = net_iov_virtual_addr(niovs[i]);
			KUNIT_ASSERT_LT(test, off, DM_PAGES(npages));
			KUNIT_EXPECT_EQ(test, off & ~PAGE_MASK, 0UL);
			page = off >> PAGE_SHIFT;
			KUNIT_EXPECT_FALSE(test, seen & BIT(page));
			seen |= BIT(page);

			/* the device address follows from the offset */
			owner = net_devmem_iov_to_chunk_owner(niovs[i]);
			KUNIT_EXPECT_EQ(test, (u64)niovs[i]->dma_addr,
					(u64)(owner->base_dma_addr + off -
					      owner->area.base_virtual));
			KUNIT_EXPECT_EQ(test, (u64)niovs[i]->dma_addr,
					page < 4 ? (u64)DM_PAGES(page) :
					(u64)(0x40000000 + DM_PAGES(page - 4)));
			if (!niovs[i]->dma_addr)
				got_dma_zero = true;
		}
		KUNIT_EXPECT_EQ(test, seen, BIT(npages) - 1);
		KUNIT_EXPECT_TRUE(test, got_dma_zero);
		KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool),
				(size_t)0);

		/* exhausted */
		KUNIT_EXPECT_NULL(test, net_devmem_alloc_dmabuf(binding));

		for (i = 0; i < npages; i++)
			net_devmem_free_dmabuf(niovs[i]);
		KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool),
				DM_PAGES(npages));
	}

	net_devmem_dmabuf_binding_put(binding);
}

static void devmem_test_tx_lookup(struct kunit *test)
{
	struct net_devmem_dmabuf_binding *binding, *rx;
	size_t niov_off = 0, size = 0;
	struct net_iov *niov;

	binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_TO_DEVICE,
						  DM_PAGES(8));
	KUNIT_ASSERT_FALSE(test, IS_ERR(binding));
	KUNIT_ASSERT_NOT_NULL(test, binding->tx_vec);
	KUNIT_ASSERT_EQ(test, dm_add(binding, 0x10000000, DM_PAGES(3), 0), 0);
	KUNIT_ASSERT_EQ(test, dm_add(binding, 0x20000000, DM_PAGES(5), DM_PAGES(3)), 0);

	niov = net_devmem_get_niov_at(binding, 0, &niov_off, &size);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	KUNIT_EXPECT_EQ(test, (u64)niov->dma_addr, 0x10000000ULL);
	KUNIT_EXPECT_EQ(test, niov_off, (size_t)0);
	KUNIT_EXPECT_EQ(test, size, PAGE_SIZE);

	niov = net_devmem_get_niov_at(binding, DM_PAGES(3) + 100, &niov_off,
				      &size);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	KUNIT_EXPECT_EQ(test, (u64)niov->dma_addr, 0x20000000ULL);
	KUNIT_EXPECT_EQ(test, niov_off, (size_t)100);
	KUNIT_EXPECT_EQ(test, size, PAGE_SIZE - 100);
	KUNIT_EXPECT_EQ(test, net_iov_virtual_addr(niov), DM_PAGES(3));

	niov = net_devmem_get_niov_at(binding, DM_PAGES(8) - 1, &niov_off,
				      &size);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	KUNIT_EXPECT_EQ(test, (u64)niov->dma_addr,
			(u64)(0x20000000 + DM_PAGES(4)));
	KUNIT_EXPECT_EQ(test, size, (size_t)1);

	/* out of bounds */
	KUNIT_EXPECT_NULL(test, net_devmem_get_niov_at(binding, DM_PAGES(8),
						       &niov_off, &size));
	KUNIT_EXPECT_NULL(test, net_devmem_get_niov_at(binding, SIZE_MAX,
						       &niov_off, &size));

	/* an RX binding has no TX table */
	rx = net_devmem_dmabuf_binding_alloc(NULL, DMA_FROM_DEVICE,
					     DM_PAGES(1));
	KUNIT_ASSERT_FALSE(test, IS_ERR(rx));
	KUNIT_ASSERT_EQ(test, dm_add(rx, 0x10000000, DM_PAGES(1), 0), 0);
	KUNIT_EXPECT_NULL(test, net_devmem_get_niov_at(rx, 0, &niov_off,
						       &size));
	net_devmem_dmabuf_binding_put(rx);

	net_devmem_dmabuf_binding_put(binding);
}

/* A TX net_iov reference (skb frag) is a binding reference */
static void devmem_test_tx_niov_refs(struct kunit *test)
{
	struct net_devmem_dmabuf_binding *binding;
	size_t niov_off, size;
	struct net_iov *niov;

	binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_TO_DEVICE,
						  DM_PAGES(2));
	KUNIT_ASSERT_FALSE(test, IS_ERR(binding));
	KUNIT_ASSERT_EQ(test, dm_add(binding, 0x10000000, DM_PAGES(2), 0), 0);
	niov = net_devmem_get_niov_at(binding, PAGE_SIZE, &niov_off, &size);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	KUNIT_EXPECT_NULL(test, niov->pp);

	get_netmem(net_iov_to_netmem(niov));
	get_netmem(net_iov_to_netmem(niov));
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 3);
	put_netmem(net_iov_to_netmem(niov));
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 2);

	/* the creator's reference goes; the frag keeps the binding */
	net_devmem_dmabuf_binding_put(binding);
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 1);
	KUNIT_EXPECT_EQ(test, net_devmem_iov_binding(niov)->size, DM_PAGES(2));
	put_netmem(net_iov_to_netmem(niov));
}

static struct kunit_case devmem_chunk_cases[] = {
	KUNIT_CASE(devmem_test_binding_alloc_args),
	KUNIT_CASE(devmem_test_add_chunk_checks),
	KUNIT_CASE(devmem_test_alloc_every_chunk),
	KUNIT_CASE(devmem_test_tx_lookup),
	KUNIT_CASE(devmem_test_tx_niov_refs),
	{}
};

static struct kunit_suite devmem_chunk_suite = {
	.name = "net_devmem_chunk",
	.test_cases = devmem_chunk_cases,
};

/* --- fake device: queue restart + header split ------------------------- */

#define DM_TEST_RXQS	2

struct devmem_test_priv {
	struct page_pool *pools[DM_TEST_RXQS];
	bool hds;		/* report tcp-data-split enabled */
	bool ignore_provider;	/* create pools without the unreadable flag */
	int restart_err;	/* fail restarts with this */
	int restarts;
	unsigned int pool_flags;
	unsigned int pool_order;
};

static struct page_pool *devmem_test_pool_create(struct net_device *dev,
						 unsigned int idx)
{
	struct devmem_test_priv *priv = netdev_priv(dev);
	struct page_pool_params pp = {
		.flags = priv->pool_flags,
		.order = priv->pool_order,
		.pool_size = 64,
		.nid = NUMA_NO_NODE,
		.dev = dev->dev.parent,
		.dma_dir = DMA_FROM_DEVICE,
		.max_len = PAGE_SIZE,
		.netdev = dev,
		.queue_idx = idx,
	};

	if (priv->ignore_provider)
		pp.flags &= ~PP_FLAG_ALLOW_UNREADABLE_NETMEM;
	return page_pool_create(&pp);
}

static int devmem_test_queue_restart(struct net_device *dev,
				     unsigned int idx,
				     struct netlink_ext_ack *extack)
{
	struct devmem_test_priv *priv = netdev_priv(dev);
	struct page_pool *pool;

	priv->restarts++;
	if (priv->restart_err)
		return priv->restart_err;
	if (!netif_running(dev))
		return 0;

	pool = devmem_test_pool_create(dev, idx);
	if (IS_ERR(pool))
		return PTR_ERR(pool);

	page_pool_destroy(priv->pools[idx]);
	priv->pools[idx] = pool;
	return 0;
}

static const struct netdev_queue_mgmt_ops devmem_test_qops = {
	.ndo_queue_restart = devmem_test_queue_restart,
};

static void devmem_test_get_ringparam(struct net_device *dev,
				      struct ethtool_ringparam *ring,
				      struct kernel_ethtool_ringparam *kring,
				      struct netlink_ext_ack *extack)
{
	struct devmem_test_priv *priv = netdev_priv(dev);

	kring->tcp_data_split = priv->hds ? ETHTOOL_TCP_DATA_SPLIT_ENABLED :
					    ETHTOOL_TCP_DATA_SPLIT_DISABLED;
}

static const struct ethtool_ops devmem_test_ethtool_ops = {
	.get_ringparam = devmem_test_get_ringparam,
};

struct devmem_test_ctx {
	struct net_device *dev;
	struct device *parent;
};

static int devmem_provider_test_init(struct kunit *test)
{
	struct devmem_test_ctx *ctx;
	struct devmem_test_priv *priv;
	struct net_device *dev;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);

	/* No owner: KUnit runs a module's suites at MODULE_STATE_COMING,
	 * before the module's sysfs directory exists, so the "module" link
	 * root_device_register() makes for THIS_MODULE would fail.
	 */
	ctx->parent = __root_device_register("devmem_kunit", NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->parent));

	dev = alloc_netdev_mqs(sizeof(*priv), "dmtest%d", NET_NAME_UNKNOWN,
			       ether_setup, 1, DM_TEST_RXQS);
	if (!dev)
		root_device_unregister(ctx->parent);
	KUNIT_ASSERT_NOT_NULL(test, dev);

	SET_NETDEV_DEV(dev, ctx->parent);
	dev->queue_mgmt_ops = &devmem_test_qops;
	dev->ethtool_ops = &devmem_test_ethtool_ops;
	priv = netdev_priv(dev);
	priv->hds = true;
	priv->pool_flags = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV |
			   PP_FLAG_ALLOW_UNREADABLE_NETMEM;
	/* "running", so that restarts create pools (never registered) */
	set_bit(__LINK_STATE_START, &dev->state);

	ctx->dev = dev;
	test->priv = ctx;
	return 0;
}

static void devmem_provider_test_exit(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct devmem_test_priv *priv;
	int i;

	/* KUnit calls .exit after a failed .init too */
	if (!ctx)
		return;
	priv = netdev_priv(ctx->dev);
	for (i = 0; i < DM_TEST_RXQS; i++)
		page_pool_destroy(priv->pools[i]);
	clear_bit(__LINK_STATE_START, &ctx->dev->state);
	free_netdev(ctx->dev);
	root_device_unregister(ctx->parent);
}

static struct net_devmem_dmabuf_binding *
devmem_test_rx_binding(struct kunit *test, size_t npages)
{
	struct net_devmem_dmabuf_binding *binding;

	binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_FROM_DEVICE,
						  DM_PAGES(npages));
	KUNIT_ASSERT_FALSE(test, IS_ERR(binding));
	KUNIT_ASSERT_EQ(test, dm_add(binding, 0x80000000, DM_PAGES(npages), 0), 0);
	return binding;
}

static void devmem_test_set_provider(struct net_device *dev, unsigned int idx,
				     struct net_devmem_dmabuf_binding *binding)
{
	struct netdev_rx_queue *rxq = __netif_get_rx_queue(dev, idx);

	rxq->mp_params.mp_priv = binding;
	rxq->mp_params.mp_ops = binding ? &dmabuf_devmem_ops : NULL;
}

static struct page_pool *devmem_test_create_pool_locked(struct net_device *dev,
							unsigned int idx)
{
	struct page_pool *pool;

	rtnl_lock();
	pool = devmem_test_pool_create(dev, idx);
	rtnl_unlock();
	return pool;
}

/* A pool allowed to be unreadable but on a queue without provider is an
 * ordinary pool handing out pages.
 */
static void devmem_test_normal_pool(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct devmem_test_priv *priv = netdev_priv(ctx->dev);
	struct page_pool *pool;
	netmem_ref netmem;

	/* no DMA mapping: the fake parent cannot map pages */
	priv->pool_flags = PP_FLAG_ALLOW_UNREADABLE_NETMEM;
	pool = devmem_test_create_pool_locked(ctx->dev, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_EXPECT_FALSE(test, page_pool_is_unreadable(pool));
	KUNIT_EXPECT_EQ(test, __netif_get_rx_queue(ctx->dev, 0)->mp_pool_gen,
			0U);

	netmem = page_pool_alloc_netmem(pool, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, !!netmem);
	KUNIT_EXPECT_FALSE(test, netmem_is_net_iov(netmem));
	KUNIT_EXPECT_NOT_NULL(test, netmem_address(netmem));
	page_pool_put_netmem(pool, netmem, false);
	page_pool_destroy(pool);
}

static void devmem_test_provider_pool(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct netdev_rx_queue *rxq = __netif_get_rx_queue(ctx->dev, 0);
	struct net_devmem_dmabuf_binding *binding;
	netmem_ref netmems[4], extra;
	struct net_iov *niov;
	struct page_pool *pool;
	struct page *page;
	int i;

	binding = devmem_test_rx_binding(test, 4);
	devmem_test_set_provider(ctx->dev, 0, binding);

	pool = devmem_test_create_pool_locked(ctx->dev, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_EXPECT_TRUE(test, page_pool_is_unreadable(pool));
	KUNIT_EXPECT_PTR_EQ(test, pool->mp_ops, &dmabuf_devmem_ops);
	KUNIT_EXPECT_PTR_EQ(test, pool->mp_priv, (void *)binding);
	/* dma-buf memory is never synced */
	KUNIT_EXPECT_FALSE(test, pool->p.flags & PP_FLAG_DMA_SYNC_DEV);
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 2);
	KUNIT_EXPECT_EQ(test, rxq->mp_pool_gen, 1U);

	for (i = 0; i < 4; i++) {
		netmems[i] = page_pool_alloc_netmem(pool, GFP_ATOMIC);
		KUNIT_ASSERT_TRUE(test, netmem_is_net_iov(netmems[i]));
		niov = netmem_to_net_iov(netmems[i]);
		KUNIT_EXPECT_PTR_EQ(test, niov->pp, pool);
		KUNIT_EXPECT_EQ(test, niov->pp_magic, (unsigned long)PP_SIGNATURE);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&niov->pp_ref_count), 1L);
		KUNIT_EXPECT_NULL(test, netmem_address(netmems[i]));
		KUNIT_EXPECT_EQ(test, (u64)page_pool_get_dma_addr_netmem(netmems[i]),
				(u64)(0x80000000 + net_iov_virtual_addr(niov)));
	}
	/* provider exhausted */
	KUNIT_EXPECT_FALSE(test, !!page_pool_alloc_netmem(pool, GFP_ATOMIC));
	KUNIT_EXPECT_EQ(test, pool->pages_state_hold_cnt, 4U);

	/* an extra reference (skb frag clone, socket token) delays release */
	niov = netmem_to_net_iov(netmems[0]);
	get_netmem(netmems[0]);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&niov->pp_ref_count), 2L);
	put_netmem(netmems[0]);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&niov->pp_ref_count), 1L);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool), (size_t)0);
	KUNIT_EXPECT_EQ(test, atomic_read(&pool->pages_state_release_cnt), 0);

	/* the last one hands it back to the provider */
	page_pool_put_netmem(pool, netmems[0], false);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool), PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, niov->pp);
	KUNIT_EXPECT_EQ(test, niov->pp_magic, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&pool->pages_state_release_cnt), 1);

	/* and it can be allocated again */
	extra = page_pool_alloc_netmem(pool, GFP_ATOMIC);
	KUNIT_EXPECT_TRUE(test, extra == netmems[0]);
	netmems[0] = extra;

	/* the skb free path: a net_iov passed as page */
	page = (__force struct page *)netmems[1];
	KUNIT_EXPECT_TRUE(test, page_pool_return_skb_page(page));
	KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool), PAGE_SIZE);

	page_pool_put_netmem(pool, netmems[0], false);
	page_pool_put_netmem(pool, netmems[2], true);
	put_netmem(netmems[3]);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool),
			DM_PAGES(4));
	KUNIT_EXPECT_EQ(test, atomic_read(&pool->pages_state_release_cnt), 5);

	/* nothing in flight: destroy frees the pool now, dropping its ref */
	page_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 1);

	devmem_test_set_provider(ctx->dev, 0, NULL);
	net_devmem_dmabuf_binding_put(binding);
}

static void devmem_test_provider_init_rejects(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct devmem_test_priv *priv = netdev_priv(ctx->dev);
	struct netdev_rx_queue *rxq = __netif_get_rx_queue(ctx->dev, 0);
	struct net_devmem_dmabuf_binding *binding;
	struct page_pool_params pp = {};
	struct page_pool *pool;

	binding = devmem_test_rx_binding(test, 2);
	devmem_test_set_provider(ctx->dev, 0, binding);

	/* provider pools must be DMA-mapping, syncing pools */
	priv->pool_flags = PP_FLAG_DMA_MAP | PP_FLAG_ALLOW_UNREADABLE_NETMEM;
	pool = devmem_test_create_pool_locked(ctx->dev, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pool), -EOPNOTSUPP);

	/* one net_iov is one page */
	priv->pool_flags |= PP_FLAG_DMA_SYNC_DEV;
	priv->pool_order = 1;
	pool = devmem_test_create_pool_locked(ctx->dev, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pool), -E2BIG);

	/* the queue must exist */
	pp.flags = PP_FLAG_ALLOW_UNREADABLE_NETMEM;
	pp.nid = NUMA_NO_NODE;
	pp.netdev = ctx->dev;
	pp.queue_idx = DM_TEST_RXQS;
	rtnl_lock();
	pool = page_pool_create(&pp);
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, PTR_ERR(pool), -EINVAL);
	pp.netdev = NULL;
	pp.queue_idx = 0;
	pool = page_pool_create(&pp);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pool), -EINVAL);

	/* failures left no reference and no provider pool behind */
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 1);
	KUNIT_EXPECT_EQ(test, rxq->mp_pool_gen, 0U);

	devmem_test_set_provider(ctx->dev, 0, NULL);
	net_devmem_dmabuf_binding_put(binding);
}

/* A net_iov still held after page_pool_destroy() and after the creator
 * let go keeps pool and binding alive; returning it frees the pool, which
 * drops the pool's binding reference.
 */
static void devmem_test_held_niov_keeps_binding(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct net_devmem_dmabuf_binding *binding;
	struct page_pool *pool;
	netmem_ref netmem;
	int i;

	binding = devmem_test_rx_binding(test, 2);
	devmem_test_set_provider(ctx->dev, 0, binding);
	pool = devmem_test_create_pool_locked(ctx->dev, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	devmem_test_set_provider(ctx->dev, 0, NULL);

	netmem = page_pool_alloc_netmem(pool, GFP_ATOMIC);
	KUNIT_ASSERT_TRUE(test, netmem_is_net_iov(netmem));

	/* test's own reference, to watch the count */
	net_devmem_dmabuf_binding_get(binding);
	page_pool_destroy(pool);		/* deferred: 1 in flight */
	net_devmem_dmabuf_binding_put(binding);	/* the creator's */
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 2);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool), PAGE_SIZE);

	msleep(1500);	/* a release retry of the pool ran meanwhile */
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 2);

	page_pool_put_netmem(pool, netmem, false);
	KUNIT_EXPECT_EQ(test, gen_pool_avail(binding->chunk_pool),
			DM_PAGES(2));

	/* the pool's retry work frees it within DEFER_TIME (1 s) */
	for (i = 0; i < 50 && refcount_read(&binding->ref) > 1; i++)
		msleep(100);
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 1);
	net_devmem_dmabuf_binding_put(binding);
}

static void devmem_test_open_rxq_checks(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct devmem_test_priv *priv = netdev_priv(ctx->dev);
	struct netdev_rx_queue *rxq = __netif_get_rx_queue(ctx->dev, 1);
	struct net_devmem_dmabuf_binding *binding;
	struct pp_memory_provider_params mp;
	struct netlink_ext_ack extack = {};

	binding = devmem_test_rx_binding(test, 4);
	mp.mp_priv = binding;
	mp.mp_ops = &dmabuf_devmem_ops;

	rtnl_lock();

	ctx->dev->queue_mgmt_ops = NULL;
	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(ctx->dev, 1, &mp, &extack),
			-EOPNOTSUPP);
	ctx->dev->queue_mgmt_ops = &devmem_test_qops;

	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(ctx->dev, DM_TEST_RXQS, &mp,
					      &extack), -ERANGE);

	priv->hds = false;
	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(ctx->dev, 1, &mp, &extack),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg, "tcp-data-split is disabled");
	priv->hds = true;

	priv->ignore_provider = true;
	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(ctx->dev, 1, &mp, &extack),
			-ENODATA);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_ops);
	KUNIT_EXPECT_FALSE(test, page_pool_is_unreadable(priv->pools[1]));
	priv->ignore_provider = false;

	priv->restart_err = -EIO;
	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(ctx->dev, 1, &mp, &extack),
			-EIO);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_ops);
	priv->restart_err = 0;
	KUNIT_EXPECT_FALSE(test, dev_has_memory_provider(ctx->dev));
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 1);

	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(ctx->dev, 1, &mp, &extack), 0);
	KUNIT_EXPECT_PTR_EQ(test, rxq->mp_params.mp_ops, &dmabuf_devmem_ops);
	KUNIT_ASSERT_NOT_NULL(test, priv->pools[1]);
	KUNIT_EXPECT_TRUE(test, page_pool_is_unreadable(priv->pools[1]));
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 2);
	KUNIT_EXPECT_TRUE(test, dev_has_memory_provider(ctx->dev));

	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(ctx->dev, 1, &mp, &extack),
			-EEXIST);

	priv->restarts = 0;
	net_mp_close_rxq(ctx->dev, 1, &mp);
	KUNIT_EXPECT_EQ(test, priv->restarts, 1);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_ops);
	KUNIT_EXPECT_FALSE(test, page_pool_is_unreadable(priv->pools[1]));
	/* the provider pool had nothing in flight: freed, ref dropped */
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 1);
	KUNIT_EXPECT_FALSE(test, dev_has_memory_provider(ctx->dev));

	/* closing again is a no-op */
	net_mp_close_rxq(ctx->dev, 1, &mp);
	KUNIT_EXPECT_EQ(test, priv->restarts, 1);

	rtnl_unlock();
	net_devmem_dmabuf_binding_put(binding);
}

static void devmem_test_bind_queue_unbind(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct devmem_test_priv *priv = netdev_priv(ctx->dev);
	struct netdev_rx_queue *rxq0 = __netif_get_rx_queue(ctx->dev, 0);
	struct netdev_rx_queue *rxq1 = __netif_get_rx_queue(ctx->dev, 1);
	struct net_devmem_dmabuf_binding *binding, *tx;
	struct netdev_rx_queue *bound;
	unsigned long idx, n = 0;

	binding = devmem_test_rx_binding(test, 4);
	net_devmem_dmabuf_binding_get(binding);	/* the test's */

	rtnl_lock();
	KUNIT_EXPECT_EQ(test, net_devmem_bind_dmabuf_to_queue(ctx->dev, 0,
							      binding, NULL), 0);
	KUNIT_EXPECT_EQ(test, net_devmem_bind_dmabuf_to_queue(ctx->dev, 1,
							      binding, NULL), 0);
	KUNIT_EXPECT_EQ(test, net_devmem_bind_dmabuf_to_queue(ctx->dev, 1,
							      binding, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, net_devmem_bind_dmabuf_to_queue(ctx->dev, 2,
							      binding, NULL),
			-ERANGE);
	xa_for_each(&binding->bound_rxqs, idx, bound) {
		KUNIT_EXPECT_TRUE(test, bound == rxq0 || bound == rxq1);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 2UL);
	/* two provider pools */
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 4);

	/* TX bindings cannot be installed on queues */
	tx = net_devmem_dmabuf_binding_alloc(NULL, DMA_TO_DEVICE, PAGE_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	KUNIT_EXPECT_EQ(test, net_devmem_bind_dmabuf_to_queue(ctx->dev, 0, tx,
							      NULL), -EINVAL);
	net_devmem_dmabuf_binding_put(tx);

	priv->restarts = 0;
	net_devmem_unbind_dmabuf(binding);
	rtnl_unlock();

	KUNIT_EXPECT_EQ(test, priv->restarts, 2);
	KUNIT_EXPECT_NULL(test, rxq0->mp_params.mp_ops);
	KUNIT_EXPECT_NULL(test, rxq1->mp_params.mp_ops);
	KUNIT_EXPECT_TRUE(test, xa_empty(&binding->bound_rxqs));
	KUNIT_EXPECT_NULL(test, binding->dev);
	/* creator's and both pools' references are gone: only the test's */
	KUNIT_EXPECT_EQ(test, refcount_read(&binding->ref), 1);
	net_devmem_dmabuf_binding_put(binding);
}

static void devmem_test_uninstall(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct devmem_test_priv *priv = netdev_priv(ctx->dev);
	struct netdev_rx_queue *rxq = __netif_get_rx_queue(ctx->dev, 1);
	struct net_devmem_dmabuf_binding *binding;

	binding = devmem_test_rx_binding(test, 2);

	rtnl_lock();
	KUNIT_ASSERT_EQ(test, net_devmem_bind_dmabuf_to_queue(ctx->dev, 1,
							      binding, NULL), 0);
	KUNIT_EXPECT_FALSE(test, xa_empty(&binding->bound_rxqs));

	/* device unregister: providers forget the queue, no restart */
	priv->restarts = 0;
	dev_memory_provider_uninstall(ctx->dev);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_ops);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_priv);
	KUNIT_EXPECT_TRUE(test, xa_empty(&binding->bound_rxqs));
	KUNIT_EXPECT_EQ(test, priv->restarts, 0);

	/* unbinding afterwards restarts nothing */
	net_devmem_unbind_dmabuf(binding);
	KUNIT_EXPECT_EQ(test, priv->restarts, 0);
	rtnl_unlock();
	/* the provider pool of queue 1 is destroyed by the test exit */
}

static struct kunit_case devmem_provider_cases[] = {
	KUNIT_CASE(devmem_test_normal_pool),
	KUNIT_CASE(devmem_test_provider_pool),
	KUNIT_CASE(devmem_test_provider_init_rejects),
	KUNIT_CASE(devmem_test_held_niov_keeps_binding),
	KUNIT_CASE(devmem_test_open_rxq_checks),
	KUNIT_CASE(devmem_test_bind_queue_unbind),
	KUNIT_CASE(devmem_test_uninstall),
	{}
};

static struct kunit_suite devmem_provider_suite = {
	.name = "net_devmem_provider",
	.init = devmem_provider_test_init,
	.exit = devmem_provider_test_exit,
	.test_cases = devmem_provider_cases,
};

/* --- binding a dma-buf (fake exporter) ---------------------------------- */

struct devmem_test_exporter {
	unsigned int nents;
	dma_addr_t addr[3];
	unsigned int len[3];
	atomic_t mapped;
	struct completion detached;
};

static struct sg_table *devmem_test_map(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	struct devmem_test_exporter *exp = attach->dmabuf->priv;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, exp->nents, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	for_each_sgtable_sg(sgt, sg, i) {
		sg_dma_address(sg) = exp->addr[i];
		sg_dma_len(sg) = exp->len[i];
	}
	atomic_inc(&exp->mapped);
	return sgt;
}

static void devmem_test_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	struct devmem_test_exporter *exp = attach->dmabuf->priv;

	sg_free_table(sgt);
	kfree(sgt);
	atomic_dec(&exp->mapped);
}

/* Called by dma_buf_detach() after the attachment left the list */
static void devmem_test_detach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct devmem_test_exporter *exp = dmabuf->priv;

	complete(&exp->detached);
}

static void devmem_test_release(struct dma_buf *dmabuf)
{
	kfree(dmabuf->priv);
}

static const struct dma_buf_ops devmem_test_dmabuf_ops = {
	.map_dma_buf = devmem_test_map,
	.unmap_dma_buf = devmem_test_unmap,
	.detach = devmem_test_detach,
	.release = devmem_test_release,
};

/* Segments of 2, 3 and 1 pages; @bad_len makes the last one misaligned */
static struct dma_buf *devmem_test_dmabuf(struct kunit *test, bool bad_len,
					  struct devmem_test_exporter **expp)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct devmem_test_exporter *exp;
	struct dma_buf *dmabuf;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	exp->nents = 3;
	exp->addr[0] = 0x100000;
	exp->len[0] = DM_PAGES(2);
	exp->addr[1] = 0x400000;
	exp->len[1] = DM_PAGES(3);
	exp->addr[2] = 0x900000;
	exp->len[2] = bad_len ? PAGE_SIZE / 2 : DM_PAGES(1);
	init_completion(&exp->detached);

	exp_info.ops = &devmem_test_dmabuf_ops;
	exp_info.size = DM_PAGES(6);
	exp_info.flags = O_RDWR;
	exp_info.priv = exp;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf))
		kfree(exp);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));
	*expp = exp;
	return dmabuf;
}

static void devmem_test_bind_dmabuf(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct net_devmem_dmabuf_binding *tx, *rx;
	struct devmem_test_exporter *exp;
	size_t niov_off, size;
	struct dma_buf *dmabuf;
	struct net_iov *niov;

	dmabuf = devmem_test_dmabuf(test, false, &exp);

	rtnl_lock();
	tx = __net_devmem_bind_dmabuf(ctx->dev, DMA_TO_DEVICE, dmabuf, NULL);
	rx = __net_devmem_bind_dmabuf(ctx->dev, DMA_FROM_DEVICE, dmabuf, NULL);
	rtnl_unlock();
	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	KUNIT_ASSERT_FALSE(test, IS_ERR(rx));

	KUNIT_EXPECT_EQ(test, atomic_read(&exp->mapped), 2);
	KUNIT_EXPECT_NE(test, tx->id, 0U);
	KUNIT_EXPECT_NE(test, rx->id, 0U);
	KUNIT_EXPECT_NE(test, tx->id, rx->id);
	KUNIT_EXPECT_PTR_EQ(test, tx->attachment->dev, ctx->parent);
	KUNIT_EXPECT_EQ(test, gen_pool_size(rx->chunk_pool), DM_PAGES(6));

	/* offsets map across the three segments */
	niov = net_devmem_get_niov_at(tx, DM_PAGES(1) + 10, &niov_off, &size);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	KUNIT_EXPECT_EQ(test, (u64)niov->dma_addr, (u64)(0x100000 + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, net_devmem_iov_binding_id(niov), tx->id);
	niov = net_devmem_get_niov_at(tx, DM_PAGES(2), &niov_off, &size);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	KUNIT_EXPECT_EQ(test, (u64)niov->dma_addr, 0x400000ULL);
	niov = net_devmem_get_niov_at(tx, DM_PAGES(5), &niov_off, &size);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	KUNIT_EXPECT_EQ(test, (u64)niov->dma_addr, 0x900000ULL);
	KUNIT_EXPECT_NULL(test, net_devmem_get_niov_at(tx, DM_PAGES(6),
						       &niov_off, &size));

	/* RX net_iovs carry the RX binding's id */
	niov = net_devmem_alloc_dmabuf(rx);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	KUNIT_EXPECT_EQ(test, net_devmem_iov_binding_id(niov), rx->id);
	net_devmem_free_dmabuf(niov);

	/* unbinding frees both (from a work item): unmapped, detached */
	rtnl_lock();
	net_devmem_unbind_dmabuf(tx);
	net_devmem_unbind_dmabuf(rx);
	rtnl_unlock();
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&exp->detached,
							    5 * HZ));
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&exp->detached,
							    5 * HZ));
	KUNIT_EXPECT_EQ(test, atomic_read(&exp->mapped), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));

	dma_buf_put(dmabuf);
}

static void devmem_test_bind_dmabuf_errors(struct kunit *test)
{
	struct devmem_test_ctx *ctx = test->priv;
	struct net_devmem_dmabuf_binding *binding;
	struct devmem_test_exporter *exp;
	struct netlink_ext_ack extack = {};
	struct dma_buf *dmabuf;

	/* a misaligned segment: refused, and everything undone at once */
	dmabuf = devmem_test_dmabuf(test, true, &exp);
	rtnl_lock();
	binding = __net_devmem_bind_dmabuf(ctx->dev, DMA_FROM_DEVICE, dmabuf,
					   &extack);
	KUNIT_EXPECT_EQ(test, PTR_ERR(binding), -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "dmabuf segment is not page aligned");
	KUNIT_EXPECT_EQ(test, atomic_read(&exp->mapped), 0);
	KUNIT_EXPECT_TRUE(test, completion_done(&exp->detached));
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));

	/* a device without DMA device */
	ctx->dev->dev.parent = NULL;
	binding = __net_devmem_bind_dmabuf(ctx->dev, DMA_FROM_DEVICE, dmabuf,
					   NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(binding), -EOPNOTSUPP);
	ctx->dev->dev.parent = ctx->parent;

	/* not a file descriptor */
	binding = net_devmem_bind_dmabuf(ctx->dev, DMA_FROM_DEVICE, -1,
					 NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(binding), -EBADF);
	rtnl_unlock();

	dma_buf_put(dmabuf);
}

static struct kunit_case devmem_dmabuf_cases[] = {
	KUNIT_CASE(devmem_test_bind_dmabuf),
	KUNIT_CASE(devmem_test_bind_dmabuf_errors),
	{}
};

static struct kunit_suite devmem_dmabuf_suite = {
	.name = "net_devmem_dmabuf",
	.init = devmem_provider_test_init,
	.exit = devmem_provider_test_exit,
	.test_cases = devmem_dmabuf_cases,
};

kunit_test_suites(&devmem_chunk_suite, &devmem_provider_suite,
		  &devmem_dmabuf_suite);

MODULE_DESCRIPTION("KUnit tests for device memory TCP");
MODULE_LICENSE("GPL");
