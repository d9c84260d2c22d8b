// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests for devmem TCP transmit: filling skb frags from a TX binding
 * (zerocopy_fill_skb_from_devmem()), and unbound TX bindings losing their
 * device when it unregisters.  The binding is built with made-up
 * device addresses and no NIC; the iovecs carry dma-buf offsets, which are
 * never dereferenced.
 */

#include <kunit/test.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/uio.h>
#include <net/netmem.h>
#include <net/sock.h>

#include "devmem.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define DMT_PAGES(n)	((size_t)(n) * PAGE_SIZE)
#define DMT_DMA		0x10000000UL

struct devmem_tx_test {
	struct net_devmem_dmabuf_binding *binding;
	struct sock *sk;
	struct sk_buff *skb;
};

static int devmem_tx_test_init(struct kunit *test)
{
	struct devmem_tx_test *t;
	int err;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);

	t->binding = net_devmem_dmabuf_binding_alloc(NULL, DMA_TO_DEVICE,
						     DMT_PAGES(32));
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->binding));
	err = net_devmem_dmabuf_binding_add_chunk(t->binding, DMT_DMA,
						  DMT_PAGES(32), 0, NULL);
	KUNIT_ASSERT_EQ(test, err, 0);

	/* only sk_wmem_queued is touched for a pure zerocopy skb */
	t->sk = kunit_kzalloc(test, sizeof(*t->sk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->sk);
	t->sk->sk_type = SOCK_STREAM;

	t->skb = alloc_skb(0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->skb);
	skb_shinfo(t->skb)->flags |= SKBFL_PURE_ZEROCOPY;

	test->priv = t;
	return 0;
}

static void devmem_tx_test_exit(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;

	if (!t)
		return;
	kfree_skb(t->skb);
	net_devmem_dmabuf_binding_put(t->binding);
}

static void dmt_iov(struct iovec *iov, size_t off, size_t len)
{
	iov->iov_base = (void __user *)off;
	iov->iov_len = len;
}

static int dmt_fill(struct devmem_tx_test *t, struct iovec *iov,
		    unsigned long nr, size_t length, struct iov_iter *iter)
{
	size_t count = 0;
	unsigned long i;

	for (i = 0; i < nr; i++)
		count += iov[i].iov_len;
	iov_iter_init(iter, WRITE, iov, nr, count);
	return zerocopy_fill_skb_from_devmem(t->sk, t->skb, iter, length,
					     t->binding);
}

static struct net_iov *dmt_frag_niov(struct sk_buff *skb, int i)
{
	return skb_frag_net_iov(&skb_shinfo(skb)->frags[i]);
}

/* A piece crossing a net_iov boundary becomes two frags, each a ref */
static void devmem_tx_test_split(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;
	struct iov_iter iter;
	struct iovec iov;
	skb_frag_t *frag;

	dmt_iov(&iov, 100, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, dmt_fill(t, &iov, 1, SIZE_MAX, &iter), 0);

	KUNIT_EXPECT_FALSE(test, skb_frags_readable(t->skb));
	KUNIT_ASSERT_EQ(test, skb_shinfo(t->skb)->nr_frags, 2);
	KUNIT_EXPECT_EQ(test, t->skb->len, (unsigned int)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t->skb->data_len, (unsigned int)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), (size_t)0);

	frag = &skb_shinfo(t->skb)->frags[0];
	KUNIT_EXPECT_TRUE(test, skb_frag_is_net_iov(frag));
	KUNIT_EXPECT_NULL(test, skb_frag_page(frag));
	KUNIT_EXPECT_EQ(test, skb_frag_off(frag), 100U);
	KUNIT_EXPECT_EQ(test, skb_frag_size(frag), (unsigned int)PAGE_SIZE - 100);
	KUNIT_EXPECT_EQ(test, (u64)skb_frag_dma_map(NULL, frag, 0, 1,
						    DMA_TO_DEVICE),
			(u64)DMT_DMA + 100);

	frag = &skb_shinfo(t->skb)->frags[1];
	KUNIT_EXPECT_EQ(test, skb_frag_off(frag), 0U);
	KUNIT_EXPECT_EQ(test, skb_frag_size(frag), 100U);
	KUNIT_EXPECT_EQ(test, (u64)dmt_frag_niov(t->skb, 1)->dma_addr,
			(u64)DMT_DMA + PAGE_SIZE);

	/* the creator's reference plus one per frag */
	KUNIT_EXPECT_EQ(test, refcount_read(&t->binding->ref), 3);
	KUNIT_EXPECT_EQ(test, t->sk->sk_wmem_queued, (int)(2 * PAGE_SIZE));
}

/* Contiguous iovecs inside one net_iov extend the last frag */
static void devmem_tx_test_merge_and_limits(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;
	struct iov_iter iter;
	struct iovec iov[4];

	dmt_iov(&iov[0], 0, 100);
	dmt_iov(&iov[1], 100, 0);	/* empty: skipped */
	dmt_iov(&iov[2], 100, 200);
	dmt_iov(&iov[3], DMT_PAGES(5), 1000);
	/* @length stops inside the last iovec */
	KUNIT_ASSERT_EQ(test, dmt_fill(t, iov, 4, 400, &iter), 0);

	KUNIT_ASSERT_EQ(test, skb_shinfo(t->skb)->nr_frags, 2);
	KUNIT_EXPECT_EQ(test, skb_frag_size(&skb_shinfo(t->skb)->frags[0]),
			300U);
	KUNIT_EXPECT_EQ(test, skb_frag_size(&skb_shinfo(t->skb)->frags[1]),
			100U);
	KUNIT_EXPECT_EQ(test, t->skb->len, 400U);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), (size_t)900);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->binding->ref), 3);
}

/* Offsets outside the dma-buf fault; what was added before stays */
static void devmem_tx_test_efault(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;
	struct iov_iter iter;
	struct iovec iov;

	dmt_iov(&iov, DMT_PAGES(32), 1);
	KUNIT_EXPECT_EQ(test, dmt_fill(t, &iov, 1, SIZE_MAX, &iter), -EFAULT);
	KUNIT_EXPECT_EQ(test, skb_shinfo(t->skb)->nr_frags, 0);
	KUNIT_EXPECT_EQ(test, t->skb->len, 0U);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->binding->ref), 1);

	dmt_iov(&iov, DMT_PAGES(32) - 10, 20);
	KUNIT_EXPECT_EQ(test, dmt_fill(t, &iov, 1, SIZE_MAX, &iter), -EFAULT);
	KUNIT_EXPECT_EQ(test, skb_shinfo(t->skb)->nr_frags, 1);
	KUNIT_EXPECT_EQ(test, t->skb->len, 10U);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), (size_t)10);

	dmt_iov(&iov, SIZE_MAX - 5, 5);
	KUNIT_EXPECT_EQ(test, dmt_fill(t, &iov, 1, SIZE_MAX, &iter), -EFAULT);
}

/* More than MAX_SKB_FRAGS pieces: -EMSGSIZE after filling every frag */
static void devmem_tx_test_emsgsize(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;
	struct iovec iov[MAX_SKB_FRAGS + 2];
	struct iov_iter iter;
	int i;

	for (i = 0; i < MAX_SKB_FRAGS + 2; i++)
		dmt_iov(&iov[i], DMT_PAGES(i) + 8, 10);
	KUNIT_EXPECT_EQ(test, dmt_fill(t, iov, MAX_SKB_FRAGS + 2, SIZE_MAX,
				       &iter), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb_shinfo(t->skb)->nr_frags, MAX_SKB_FRAGS);
	KUNIT_EXPECT_EQ(test, t->skb->len, 10U * MAX_SKB_FRAGS);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), (size_t)20);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->binding->ref),
			MAX_SKB_FRAGS + 1);
}

/* Never next to host memory; an RX binding has no TX table */
static void devmem_tx_test_rejects(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;
	struct net_devmem_dmabuf_binding *rx;
	struct iov_iter iter;
	struct page *page;
	struct iovec iov;

	rx = net_devmem_dmabuf_binding_alloc(NULL, DMA_FROM_DEVICE,
					     DMT_PAGES(1));
	KUNIT_ASSERT_FALSE(test, IS_ERR(rx));
	KUNIT_ASSERT_EQ(test, net_devmem_dmabuf_binding_add_chunk(rx, DMT_DMA,
								  DMT_PAGES(1),
								  0, NULL), 0);
	dmt_iov(&iov, 0, 10);
	iov_iter_init(&iter, WRITE, &iov, 1, 10);
	KUNIT_EXPECT_EQ(test, zerocopy_fill_skb_from_devmem(t->sk, t->skb,
							    &iter, 10, rx),
			-EFAULT);
	net_devmem_dmabuf_binding_put(rx);

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	skb_fill_page_desc(t->skb, 0, page, 0, 10);
	t->skb->len += 10;
	t->skb->data_len += 10;
	KUNIT_EXPECT_EQ(test, dmt_fill(t, &iov, 1, SIZE_MAX, &iter), -EEXIST);
	KUNIT_EXPECT_EQ(test, skb_shinfo(t->skb)->nr_frags, 1);
	KUNIT_EXPECT_TRUE(test, skb_frags_readable(t->skb));
}

/* A TX binding unbound while skbs hold it keeps its device for them, until
 * that device unregisters; other devices' bindings keep theirs.
 */
static void devmem_tx_test_unregister_dev(struct kunit *test)
{
	struct net_devmem_dmabuf_binding *a, *b;
	struct net_device *dev_a, *dev_b;

	dev_a = kunit_kzalloc(test, sizeof(*dev_a), GFP_KERNEL);
	dev_b = kunit_kzalloc(test, sizeof(*dev_b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev_a);
	KUNIT_ASSERT_NOT_NULL(test, dev_b);
	a = net_devmem_dmabuf_binding_alloc(dev_a, DMA_TO_DEVICE, DMT_PAGES(1));
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = net_devmem_dmabuf_binding_alloc(dev_b, DMA_TO_DEVICE, DMT_PAGES(1));
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));

	/* a queued skb's frag reference on each */
	refcount_inc(&a->ref);
	refcount_inc(&b->ref);

	rtnl_lock();
	net_devmem_unbind_dmabuf(a);
	net_devmem_unbind_dmabuf(b);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(a->dev), dev_a);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(b->dev), dev_b);
	net_devmem_tx_unregister_dev(dev_a);
	rtnl_unlock();

	KUNIT_EXPECT_NULL(test, READ_ONCE(a->dev));
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(b->dev), dev_b);

	rtnl_lock();
	net_devmem_tx_unregister_dev(dev_b);
	rtnl_unlock();
	KUNIT_EXPECT_NULL(test, READ_ONCE(b->dev));

	/* the skbs go: the last references free both bindings */
	net_devmem_dmabuf_binding_put(a);
	net_devmem_dmabuf_binding_put(b);
}

static struct kunit_case devmem_tx_cases[] = {
	KUNIT_CASE(devmem_tx_test_split),
	KUNIT_CASE(devmem_tx_test_merge_and_limits),
	KUNIT_CASE(devmem_tx_test_efault),
	KUNIT_CASE(devmem_tx_test_emsgsize),
	KUNIT_CASE(devmem_tx_test_rejects),
	KUNIT_CASE(devmem_tx_test_unregister_dev),
	{}
};

static struct kunit_suite devmem_tx_suite = {
	.name = "net_devmem_tx",
	.init = devmem_tx_test_init,
	.exit = devmem_tx_test_exit,
	.test_cases = devmem_tx_cases,
};

kunit_test_suite(devmem_tx_suite);

MODULE_DESCRIPTION("KUnit tests for devmem TCP transmit");
MODULE_LICENSE("GPL");
