/**
 * Sources of "shopkit", a small shop library used as a retrieval fixture: a dozen modules that share
 * vocabulary (amounts, totals, items, customers), so that finding the right file takes more than one
 * matching word. Two bugs at two nearby commits; their issue texts describe symptoms only.
 */
export type Files = Record<string, string>;

export const shopkitFiles: Files = {
  'README.md': '# shopkit\n\nCarts, prices, stock and receipts for small shops.\n',
  'shopkit/__init__.py': '"""Carts, prices, stock and receipts for small shops."""\n\nfrom .cart import Cart\nfrom .inventory import Inventory\n\n__version__ = "1.4.0"\n',
  'shopkit/cart.py': `"""A customer's cart: items, quantities and the amount due."""

from .pricing import apply_discount, round_money
from .tax import tax_for


class CartItem:
    """One line of a cart."""

    def __init__(self, sku, unit_price, quantity=1):
        self.sku = sku
        self.unit_price = unit_price
        self.quantity = quantity

    def subtotal(self):
        return self.unit_price * self.quantity


class Cart:
    """Items a customer intends to buy, with the vouchers they entered."""

    def __init__(self, customer=None, region="default"):
        self.customer = customer
        self.region = region
        self.items = []
        self.voucher_percent = 0

    def add_item(self, sku, unit_price, quantity=1):
        for item in self.items:
            if item.sku == sku:
                item.quantity += quantity
                return item
        item = CartItem(sku, unit_price, quantity)
        self.items.append(item)
        return item

    def remove_item(self, sku):
        self.items = [item for item in self.items if item.sku != sku]

    def apply_voucher(self, percent):
        self.voucher_percent = percent

    def subtotal(self):
        return sum(item.subtotal() for item in self.items)

    def total(self):
        loyalty = self.customer.loyalty_percent() if self.customer else 0
        discounted = apply_discount(self.subtotal(), self.voucher_percent + loyalty)
        return round_money(discounted + tax_for(discounted, self.region))
`,
  'shopkit/pricing.py': `"""Discounts and rounding of money amounts."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def apply_discount(amount, percent):
    """Reduce an amount by a discount percentage (vouchers and loyalty percentages add up)."""
    reduction = amount * Decimal(percent) / 100
    return amount - reduction


def round_money(amount):
    """Round an amount to whole cents, halves away from zero."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def unit_price_with_markup(cost, markup_percent):
    """The selling price of an item bought at cost."""
    return round_money(Decimal(cost) * (100 + Decimal(markup_percent)) / 100)
`,
  'shopkit/tax.py': `"""Sales tax by region."""

from decimal import Decimal

TAX_RATES = {
    "default": Decimal("0.20"),
    "reduced": Decimal("0.05"),
    "exempt": Decimal("0"),
}


def tax_rate(region):
    return TAX_RATES.get(region, TAX_RATES["default"])


def tax_for(amount, region):
    """The tax due on an amount sold in a region."""
    return amount * tax_rate(region)
`,
  'shopkit/currency.py': `"""Formatting and parsing amounts for display."""

from decimal import Decimal

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def format_amount(amount, currency="EUR"):
    """Show an amount with its currency symbol and two decimals."""
    symbol = SYMBOLS.get(currency, currency + " ")
    return f"{symbol}{Decimal(amount):.2f}"


def parse_amount(text):
    """Read an amount typed by a clerk, accepting a comma as decimal mark."""
    cleaned = text.strip().lstrip("€£$").replace(",", ".")
    return Decimal(cleaned)
`,
  'shopkit/inventory.py': `"""Stock levels and reservations."""


class OutOfStock(Exception):
    pass


class Inventory:
    """How many units of each product are on the shelves or reserved for open orders."""

    def __init__(self):
        self.on_hand = {}
        self.reserved = {}

    def receive(self, sku, units):
        self.on_hand[sku] = self.on_hand.get(sku, 0) + units

    def stock_level(self, sku):
        return self.on_hand.get(sku, 0) - self.reserved.get(sku, 0)

    def reserve(self, sku, units):
        if self.stock_level(sku) < units:
            raise OutOfStock(sku)
        self.reserved[sku] = self.reserved.get(sku, 0) + units

    def release(self, sku, units):
        self.reserved[sku] = max(0, self.reserved.get(sku, 0) - units)
`,
  'shopkit/shipping.py': `"""Parcel postage by weight and destination zone."""

from decimal import Decimal

ZONE_RATES = {
    "mainland": Decimal("4.90"),
    "islands": Decimal("12.50"),
    "international": Decimal("24.00"),
}
ISLAND_POSTCODES = ("HS", "ZE", "KW15", "KW16", "KW17", "PA41", "PA60")


def zone_for(postcode):
    """The delivery zone of a postcode."""
    code = postcode.replace(" ", "").upper()
    if not code[:1].isalpha():
        return "international"
    return "mainland"


def shipping_cost(weight_kg, postcode):
    """Postage of a parcel: the zone rate, plus a surcharge per kilogram above two."""
    rate = ZONE_RATES[zone_for(postcode)]
    extra_kg = max(0, weight_kg - 2)
    return rate + Decimal("1.10") * Decimal(extra_kg)
`,
  'shopkit/customers.py': `"""Customers and their loyalty tiers."""

LOYALTY_TIERS = {"bronze": 0, "silver": 5, "gold": 10}


class Customer:
    def __init__(self, name, email, tier="bronze"):
        self.name = name
        self.email = email
        self.tier = tier

    def loyalty_percent(self):
        """The standing discount of the customer's tier."""
        return LOYALTY_TIERS.get(self.tier, 0)

    def upgrade(self):
        order = list(LOYALTY_TIERS)
        position = order.index(self.tier)
        if position + 1 < len(order):
            self.tier = order[position + 1]
`,
  'shopkit/receipts.py': `"""Printable receipts."""

from .currency import format_amount


def receipt_lines(cart, currency="EUR"):
    """The lines of a receipt: one per item, then the total."""
    lines = []
    for item in cart.items:
        lines.append(f"{item.quantity} x {item.sku}  {format_amount(item.subtotal(), currency)}")
    lines.append(f"TOTAL  {format_amount(cart.total(), currency)}")
    return lines


def render_receipt(cart, shop_name="shopkit", currency="EUR"):
    header = shop_name.upper().center(32)
    return "\\n".join([header, "-" * 32, *receipt_lines(cart, currency)])
`,
  'shopkit/reports.py': `"""Sales reports for the back office."""

from collections import Counter


def best_sellers(orders, limit=10):
    """The products sold most often, with their counts."""
    counts = Counter()
    for order in orders:
        for item in order.items:
            counts[item.sku] += item.quantity
    return counts.most_common(limit)


def daily_revenue(orders):
    """Revenue per day, from the totals of the orders."""
    revenue = {}
    for order in orders:
        day = order.placed_at.date()
        revenue[day] = revenue.get(day, 0) + order.total()
    return revenue
`,
  'shopkit/text.py': `"""Small text helpers for product pages."""

import re


def slugify(name):
    """A URL-safe slug of a product name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def truncate(text, length=80):
    """Cut a description to a length, ending with an ellipsis."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
`,
  'tests/test_cart.py': `from decimal import Decimal

from shopkit.cart import Cart


def test_total_with_voucher():
    cart = Cart(region="exempt")
    cart.add_item("tea", Decimal("10"))
    cart.apply_voucher(10)
    assert cart.total() == Decimal("9.00")
`,
};

/** Commit 2 (the base of the second instance): postcode zones are normalized differently, in one function only. */
export const shippingRefactor: Files = {
  'shopkit/shipping.py': shopkitFiles['shopkit/shipping.py']!.replace('    code = postcode.replace(" ", "").upper()\n', '    code = "".join(postcode.split()).upper()\n'),
};

/** Gold fix of instance 1: a discount never takes an amount below zero. */
export const discountFix: Files = {
  'shopkit/pricing.py': shopkitFiles['shopkit/pricing.py']!.replace('    return amount - reduction\n', '    return max(amount - reduction, Decimal(0))\n'),
};

/** Gold fix of instance 2: island postcodes are their own zone. */
export const islandFix: Files = {
  'shopkit/shipping.py': shippingRefactor['shopkit/shipping.py']!.replace(
    '    return "mainland"\n',
    '    if code.startswith(ISLAND_POSTCODES):\n        return "islands"\n    return "mainland"\n',
  ),
};

export const discountIssue =
  'Receipt shows a negative amount to pay\n\n' +
  'A gold-tier customer entered the 100% staff voucher at checkout and the printed receipt said the ' +
  'customer is owed money: the TOTAL line was below zero. Vouchers combined with the loyalty reduction ' +
  'should never make the order cost less than nothing.\n';

export const islandIssue =
  'Orders to the Shetland isles are charged mainland postage\n\n' +
  'We deliver to Lerwick (ZE1 0AA) and Stornoway (HS1 2XX), but the checkout only charges the 4.90 rate. ' +
  'Parcels to the islands cost us 12.50 to send. The rate table itself looks right.\n';
