"""The DMS import: events and ownership through the ingest path, exact values, idempotence,
each preset's columns, and each bad shape named by row and field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from como.deals.models import Opportunity
from como.leads.models import Contact, Event
from verticals.automotive.dms.models import DmsImport, VehicleOwnership
from verticals.automotive.dms.ownership import miles_per_day
from verticals.automotive.dms.services import dms_import
from verticals.automotive.inventory.models import Rooftop

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
VIN = "1HGCM82633A004352"
VIN2 = "1M8GDM9AXKP042788"

DEALS = (
    "deal_number,purchase_date,vin,condition,price,amount_financed,apr,term_months,"
    "first_name,last_name,email,phone,postal_code,rooftop,model\n"
    f"D-1,2025-06-01,{VIN},new,32999.99,28000.00,4.9,60,Ana,Ruiz,ana@example.com,"
    "(312) 555-0123,60601,LKH,Accord\n"
)
ROS = (
    "ro_number,ro_date,vin,mileage,op_codes,services,amount,email,rooftop\n"
    f"R-1,2025-12-01,{VIN},6000,LOF|ROT,Oil change|Tire rotation,89.95,ana@example.com,LKH\n"
    f"R-2,2026-03-01,{VIN},8700,LOF,Oil change,59.95,ana@example.com,LKH\n"
)


def run(rooftop: Rooftop, kind: str, text: str | bytes, **kwargs: str) -> DmsImport:
    data = text.encode() if isinstance(text, str) else text
    return dms_import(rooftop=rooftop, kind=kind, data=data, now=NOW, **kwargs)


def test_a_deal_becomes_an_event_and_an_ownership_then_repair_orders_update_it(
    rooftop: Rooftop,
) -> None:
    deals = run(rooftop, "deals", DEALS)
    assert deals.counts == {
        "rows": 1,
        "created": 1,
        "duplicate": 0,
        "rejected": 0,
        "ownerships": 1,
        "opportunities": 1,
    }
    assert deals.preset == "dms-deals-canonical"
    ana = Contact.objects.get(workspace=rooftop.workspace, email="ana@example.com")
    assert (ana.first_name, ana.last_name, ana.phone, ana.postal_code) == (
        "Ana",
        "Ruiz",
        "+13125550123",
        "60601",
    )
    event = Event.objects.get(contact=ana, type="vehicle_purchased")
    assert event.event_id == f"dms:deal:{rooftop.pk}:D-1"
    assert event.occurred_at == datetime(2025, 6, 1, 17, 0, tzinfo=UTC)  # noon in Chicago (CDT)
    assert event.properties["price"] == "32999.99"
    assert event.properties["apr"] == "4.900"
    owned = VehicleOwnership.objects.get(contact=ana, vin=VIN)
    assert (owned.year, owned.make, owned.model, owned.condition) == (
        2003,
        "Honda",
        "Accord",
        "new",
    )
    assert owned.purchased_on == date(2025, 6, 1)
    assert owned.price == Decimal("32999.99")
    assert owned.amount_financed == Decimal("28000.00")
    assert (owned.apr, owned.term_months, owned.deal_number) == (Decimal("4.900"), 60, "D-1")
    assert (owned.first_reading_on, owned.first_reading_miles) == (date(2025, 6, 1), 0)
    # The deal is a won opportunity on the buyer, with its VIN; the buyer is a customer.
    sale = Opportunity.objects.get(workspace=rooftop.workspace, external_id=event.event_id)
    assert (sale.contact_id, sale.status, sale.vin, sale.amount, sale.currency) == (
        ana.pk,
        "won",
        VIN,
        Decimal("32999.99"),
        "USD",
    )
    assert sale.opened_at == sale.closed_at == event.occurred_at
    assert (sale.name, sale.stage_name, sale.source) == ("2003 Honda Accord", "Delivered", "dms")
    assert sale.attributes == {"deal_number": "D-1", "rooftop_id": rooftop.pk, "condition": "new"}
    assert [(t.from_status, t.to_status) for t in sale.transitions.all()] == [
        ("", "open"),
        ("open", "won"),
    ]
    ana.refresh_from_db()
    assert ana.lifecycle_stage == "customer"
    assert owned.miles_per_day is None

    ros = run(rooftop, "repair_orders", ROS)

    assert ros.counts["created"] == 2
    owned.refresh_from_db()
    assert owned.service_visits == 2
    assert (owned.last_service_on, owned.last_service_miles) == (date(2026, 3, 1), 8700)
    # 8,700 miles over the 273 days from 2025-06-01 to 2026-03-01.
    assert owned.miles_per_day == Decimal("31.87")
    assert ros.counts["opportunities"] == 0
    visit = Event.objects.get(event_id=f"dms:ro:{rooftop.pk}:R-1")
    assert visit.properties["op_codes"] == ["LOF", "ROT"]
    assert visit.properties["services"] == ["Oil change", "Tire rotation"]
    assert visit.properties["amount"] == "89.95"


def test_a_re_import_adds_nothing(rooftop: Rooftop) -> None:
    run(rooftop, "deals", DEALS)
    run(rooftop, "repair_orders", ROS)
    owned = VehicleOwnership.objects.get(vin=VIN)

    again = run(rooftop, "repair_orders", ROS)
    deals_again = run(rooftop, "deals", DEALS)

    assert again.counts == {
        "rows": 2,
        "created": 0,
        "duplicate": 2,
        "rejected": 0,
        "ownerships": 0,
        "opportunities": 0,
    }
    assert deals_again.counts["duplicate"] == 1
    assert deals_again.counts["opportunities"] == 0
    assert Opportunity.objects.filter(workspace=rooftop.workspace).count() == 1
    assert Event.objects.filter(workspace=rooftop.workspace).count() == 3
    fresh = VehicleOwnership.objects.get(vin=VIN)
    assert fresh.service_visits == 2
    assert fresh.miles_per_day == owned.miles_per_day == Decimal("31.87")


def test_miles_per_day_is_the_slope_between_the_first_and_latest_readings() -> None:
    assert miles_per_day((date(2025, 1, 1), 1000), (date(2025, 1, 11), 1405)) == Decimal("40.50")
    assert miles_per_day((date(2025, 1, 1), 1000), (date(2025, 1, 1), 1405)) is None
    assert miles_per_day((date(2025, 1, 1), 1000), (date(2025, 2, 1), 900)) is None
    assert miles_per_day(None, (date(2025, 2, 1), 900)) is None


def test_repair_orders_before_the_deal_file_still_give_the_same_estimate(rooftop: Rooftop) -> None:
    run(rooftop, "repair_orders", ROS)
    run(rooftop, "deals", DEALS)
    owned = VehicleOwnership.objects.get(vin=VIN)
    assert owned.miles_per_day == Decimal("31.87")
    assert owned.purchased_on == date(2025, 6, 1)


def test_a_phone_only_customer_is_named_by_the_contact_with_that_phone(rooftop: Rooftop) -> None:
    Contact.objects.create(
        workspace=rooftop.workspace, email="bo@example.com", phone="+13125550199"
    )
    text = f"ro_number,ro_date,vin,mileage,phone\nR-9,2026-01-05,{VIN2},41000,312-555-0199\n"
    run(rooftop, "repair_orders", text)
    bo = Contact.objects.get(email="bo@example.com")
    assert VehicleOwnership.objects.get(vin=VIN2).contact == bo
    # A phone no contact has: a contact known by it.
    text = f"ro_number,ro_date,vin,mileage,phone\nR-10,2026-01-05,{VIN},41000,312-555-0100\n"
    run(rooftop, "repair_orders", text)
    new = VehicleOwnership.objects.get(vin=VIN).contact
    assert (new.external_id, new.phone) == ("phone:+13125550100", "+13125550100")


CDK_DEALS = (
    "DealNo,ContractDate,VehicleType,VIN,CashPrice,AmtFinanced,APR,Term,BuyerFirstName,"
    "BuyerLastName,BuyerEmail,BuyerHomePhone,BuyerZip,StoreNo,Odometer\n"
    f"5001,06/15/2025,U,{VIN2},18450.00,15000,6.25,72,Cy,Lee,cy@example.com,,60614,LKH,41250\n"
)
REYNOLDS_DEALS = (
    "DealNumber,SaleDate,NewUsed,VehVIN,SellingPrice,AmountFinanced,Rate,TermMonths,CustName,"
    "CustEmail,CustZip,Dealer,VehOdometer\n"
    f'R5001,2025-07-04,N,{VIN},41000,0,0,,"DIAZ, MARIA",maria@example.com,60615,D-100,12\n'
)
CDK_ROS = (
    "RONumber,CloseDate,VIN,MileageIn,OpCodes,OpDescriptions,TotalSale,CustFirstName,"
    "CustLastName,CustEmail,StoreNo\n"
    f"90001,2026-02-02,{VIN2},45000,01LOF;05BRK,Oil;Brakes,412.10,Cy,Lee,cy@example.com,LKH\n"
)
REYNOLDS_ROS = (
    "RO#,FinalCloseDate,VehVIN,Odometer,LaborOpCodes,LaborDescriptions,ROTotal,CustName,"
    "CustEmail,Dealer\n"
    f'77001,2026-01-20,{VIN},3012,LOF,Oil change,49.99,"DIAZ, MARIA",maria@example.com,LKH\n'
)


@pytest.mark.parametrize(
    ("kind", "text", "preset", "expected"),
    [
        (
            "deals",
            CDK_DEALS,
            "dms-deals-cdk",
            {
                "deal_number": "5001",
                "price": "18450.00",
                "amount_financed": "15000.00",
                "apr": "6.250",
                "term_months": 72,
                "condition": "used",
                "odometer": 41250,
                "purchased_on": "2025-06-15",
            },
        ),
        (
            "deals",
            REYNOLDS_DEALS,
            "dms-deals-reynolds",
            {
                "deal_number": "R5001",
                "price": "41000.00",
                "amount_financed": None,
                "apr": "0.000",
                "term_months": None,
                "condition": "new",
                "odometer": 12,
            },
        ),
        (
            "repair_orders",
            CDK_ROS,
            "dms-ros-cdk",
            {
                "ro_number": "90001",
                "mileage": 45000,
                "op_codes": ["01LOF", "05BRK"],
                "services": ["Oil", "Brakes"],
                "amount": "412.10",
            },
        ),
        (
            "repair_orders",
            REYNOLDS_ROS,
            "dms-ros-reynolds",
            {
                "ro_number": "77001",
                "mileage": 3012,
                "op_codes": ["LOF"],
                "services": ["Oil change"],
                "amount": "49.99",
            },
        ),
    ],
)
def test_each_preset_maps_its_columns(
    rooftop: Rooftop, kind: str, text: str, preset: str, expected: dict[str, object]
) -> None:
    record = run(rooftop, kind, text)
    assert record.errors == []
    assert record.preset == preset
    event = Event.objects.get(workspace=rooftop.workspace)
    assert {key: event.properties[key] for key in expected} == expected


def test_a_last_first_name_is_split(rooftop: Rooftop) -> None:
    run(rooftop, "deals", REYNOLDS_DEALS)
    maria = Contact.objects.get(email="maria@example.com")
    assert (maria.first_name, maria.last_name, maria.postal_code) == ("Maria", "Diaz", "60615")


GOOD = f"D-1,2025-06-01,{VIN},new,32999.99,,,,ana@example.com"
HEADER = "deal_number,purchase_date,vin,condition,price,amount_financed,apr,term_months,email\n"


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        (
            f"D-2,2025-06-01,{VIN[:8]}0{VIN[9:]},new,1,,,,b@example.com",
            "vin",
            "The check digit (position 9) should be 3 for this VIN.",
        ),
        (
            f"D-2,2025-13-45,{VIN},new,1,,,,b@example.com",
            "purchase_date",
            "'2025-13-45' is not a date.",
        ),
        (
            f"D-2,2027-01-01,{VIN},new,1,,,,b@example.com",
            "purchase_date",
            "2027-01-01 is in the future.",
        ),
        (
            f"D-2,2025-06-01,{VIN},new,1e400,,,,b@example.com",
            "price",
            "Not an amount between 0 and 9999999999.99.",
        ),
        (
            f"D-2,2025-06-01,{VIN},new,99999999999999,,,,b@example.com",
            "price",
            "Not an amount between 0 and 9999999999.99.",
        ),
        (
            f"D-2,2025-06-01,{VIN},new,1,5000,4.9,,b@example.com",
            "term_months",
            "An amount financed needs a term in months.",
        ),
        (
            f"D-2,2025-06-01,{VIN},new,1,5000,49,60,b@example.com",
            "apr",
            "An APR is a percentage from 0 to 36.",
        ),
        (
            f"D-2,2025-06-01,{VIN},new,1,5000,4.9,600,b@example.com",
            "term_months",
            "A term is a whole number of months from 1 to 120.",
        ),
        (
            f"D-2,2025-06-01,{VIN},new,1,,,,",
            "email",
            "Give the customer's email or phone: nothing else names them.",
        ),
        (
            f"D-2,2025-06-01,{VIN},new,=HYPERLINK(1),,,,b@example.com",
            "price",
            "The cell starts like a spreadsheet formula (= + - @ or a tab); it is refused.",
        ),
        (
            f"D-1,2025-06-02,{VIN},new,1,,,,b@example.com",
            "deal_number",
            "Repeats an earlier row's number.",
        ),
    ],
)
def test_a_bad_row_is_named_and_the_good_row_kept(
    rooftop: Rooftop, bad: str, field: str, message: str
) -> None:
    record = run(rooftop, "deals", HEADER + GOOD + "\n" + bad + "\n")
    assert record.errors == [{"row": 3, "field": field, "message": message}]
    assert record.counts["created"] == 1
    assert record.counts["rejected"] == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (b"", "", "The file is empty: no header row."),
        (b"\n\n", "", "The file is empty: no header row."),
        (
            b"deal_number,vin\nD-1," + VIN.encode() + b"\n",
            "purchase_date",
            "No column holds purchase_date; the file is refused.",
        ),
        (
            b"\x00\xff\xfe\x81" * 50,
            "",
            "The file is not text in an encoding this importer can tell.",
        ),
    ],
)
def test_a_bad_file_is_one_error_of_row_zero(
    rooftop: Rooftop, data: bytes, field: str, message: str
) -> None:
    record = run(rooftop, "deals", data)
    assert {"row": 0, "field": field, "message": message} in record.errors
    assert record.counts["created"] == 0


def test_a_windows_1252_file_is_read(rooftop: Rooftop) -> None:
    header = "deal_number,purchase_date,vin,email,first_name,last_name\n"
    rows = "".join(
        f"D-{n},2025-06-01,{VIN},p{n}@example.com,Jos\u00e9 Andr\u00e9s,Pe\u00f1a Mu\u00f1oz\n"
        for n in range(5)
    )
    record = run(rooftop, "deals", (header + rows).encode("cp1252"))
    assert record.errors == []
    person = Contact.objects.get(email="p0@example.com")
    assert (person.first_name, person.last_name) == (
        "Jos\u00e9 Andr\u00e9s",
        "Pe\u00f1a Mu\u00f1oz",
    )


def test_another_rooftops_row_is_refused(rooftop: Rooftop) -> None:
    text = f"deal_number,purchase_date,vin,email,rooftop\nD-1,2025-06-01,{VIN},a@example.com,XYZ\n"
    record = run(rooftop, "deals", text)
    assert record.errors == [
        {"row": 2, "field": "rooftop", "message": "'XYZ' is not the rooftop imported into."}
    ]
