"""``vm list|get``: the account's virtual machines."""

from __future__ import annotations

import json

from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
from hostinger_api.cli._output import document, vms_table
from hostinger_api.cli._session import EXIT_OK, Session


def vm_list(session: Session) -> int:
    machines = VPSVirtualMachineApi(session.api_client).get_virtual_machines_v1()
    if session.options.json:
        print(json.dumps([document(vm) for vm in machines], indent=2), file=session.out)
    else:
        print(vms_table(machines), file=session.out)
    return EXIT_OK


def vm_get(session: Session) -> int:
    session.show(
        VPSVirtualMachineApi(session.api_client).get_virtual_machine_details_v1(session.vm)
    )
    return EXIT_OK
