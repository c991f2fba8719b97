import Foundation
import QuhaoCore
import Testing

/// Every vector in domain.md is here.
@Suite struct USCCTests {
    @Test(arguments: ["91350100M000100Y43", "91110000600037341L", "121200004013590816", "92340602MA2PBMEM24"])
    func validCodesPass(_ code: String) throws {
        #expect(try USCC.validate(code) == code)
    }

    @Test func wrongCheckCharacterIsAChecksumError() {
        for code in ["91350100M000100Y4Z", "91110000600037341N"] {
            #expect(throws: QuhaoError(.identityChecksum, ["kind": "uscc"])) { try USCC.validate(code) }
        }
    }

    @Test func lettersThatNeverOccurAreAnAlphabetError() {
        #expect(throws: QuhaoError(.identityFormat, ["kind": "uscc", "reason": "alphabet"])) { try USCC.validate("9111000060003IOZSV") }
    }

    @Test func wrongLengthAndShapeAreFormatErrors() {
        #expect(throws: QuhaoError(.identityFormat, ["kind": "uscc", "reason": "length"])) { try USCC.validate("91350100M000100Y4") }
        #expect(throws: QuhaoError(.identityFormat, ["kind": "uscc", "reason": "shape"])) { try USCC.validate("9135A100M000100Y43") }
    }

    @Test func lowerCaseAndSpacesAreAcceptedAndStoredUpperCase() throws {
        #expect(try USCC.validate("  91350100m000100y43 ") == "91350100M000100Y43")
    }

    @Test func legacyPilotCodeFailsButStaffMayOverride() throws {
        #expect(throws: QuhaoError.self) { try USCC.validate("91350100M0001TGQXM") }
        #expect(try USCC.validate("91350100M0001TGQXM", allowChecksumFailure: true) == "91350100M0001TGQXM")
        let identity = try IdentityCheck.validate("91350100M0001TGQXM", for: .uscc, today: today, allowChecksumOverride: true)
        #expect(identity?.checksumOverridden == true)
        #expect(throws: QuhaoError.self) { try IdentityCheck.validate("91350100M0001TGQXM", for: .uscc, today: today) }
    }

    @Test func checkCharacterFollowsTheStandardWeights() {
        #expect(USCC.weights == (1...17).map { i in (0..<(i - 1)).reduce(1) { acc, _ in acc * 3 % 31 } })
        #expect(USCC.checkCharacter(for: Array("91350100M000100Y4")) == "3")
    }
}

let today = BusinessDay(year: 2026, month: 11, day: 25)!

@Suite struct ResidentIDTests {
    @Test(arguments: ["11010519491231002X", "440524188001010014", "360426199101010071", "44011320141005001X"])
    func validNumbersPass(_ number: String) throws {
        #expect(try ResidentID.validate(number, today: today) == number)
    }

    @Test func lowerCaseXBecomesUpperCase() throws {
        #expect(try ResidentID.validate("11010519491231002x", today: today) == "11010519491231002X")
    }

    @Test func wrongCheckCharacterIsAChecksumError() {
        #expect(throws: QuhaoError(.identityChecksum, ["kind": "resident_id"])) {
            try ResidentID.validate("36042619910102009X", today: today)
        }
    }

    @Test func monthThirteenIsABirthDateErrorEvenWithAGoodChecksum() {
        #expect(throws: QuhaoError(.identityBirthDate)) { try ResidentID.validate("360426199113010079", today: today) }
    }

    @Test func birthDateInTheFutureIsRefused() {
        // 2027-01-01 with a correct check character.
        let body = "11010520270101001"
        let number = body + String(ResidentID.checkCharacter(for: Array(body)))
        #expect(throws: QuhaoError(.identityBirthDate)) { try ResidentID.validate(number, today: today) }
    }

    @Test func unknownProvinceIsARegionError() {
        let body = "99010519491231002"
        let number = body + String(ResidentID.checkCharacter(for: Array(body)))
        #expect(throws: QuhaoError(.identityRegion)) { try ResidentID.validate(number, today: today) }
    }

    @Test func wrongShapeIsAFormatError() {
        #expect(throws: QuhaoError(.identityFormat, ["kind": "resident_id", "reason": "id_shape"])) {
            try ResidentID.validate("1101051949123100", today: today)
        }
    }
}

@Suite struct MobilePhoneTests {
    @Test(arguments: ["13812345678", "19119255642", "+86 138-1234-5678", "0086 13812345678", "8613812345678"])
    func validNumbersPass(_ number: String) throws {
        #expect(try MobilePhone.validate(number).count == 11)
    }

    @Test(arguments: ["12345678901", "1381234567", "138123456789", "abc"])
    func invalidNumbersFail(_ number: String) {
        #expect(throws: QuhaoError(.phoneFormat)) { try MobilePhone.validate(number) }
    }
}

@Suite struct MaskingTests {
    @Test func masksKeepLengthAndTheAgreedEnds() throws {
        #expect(try IdentityCheck.validate("11010519491231002X", for: .residentID, today: today)?.masked == "110105********002X")
        // domain.md shows `9135**********Y43` (17 characters); we keep the code's 18, as for IDs and phones.
        #expect(try IdentityCheck.validate("91350100M000100Y43", for: .uscc, today: today)?.masked == "9135***********Y43")
        #expect(Masking.phone("13812345678") == "138****5678")
    }
}

@Suite struct IdentityRequirementTests {
    @Test func noneIgnoresWhatWasTyped() throws {
        #expect(try IdentityCheck.validate("anything", for: .none, today: today) == nil)
    }

    @Test func requiredButBlankSaysWhatIsNeeded() {
        #expect(throws: QuhaoError(.identityRequired, ["service": "发票", "kind": "uscc"])) {
            try IdentityCheck.validate("  ", for: .uscc, service: ["service": "发票"], today: today)
        }
    }

    @Test func eitherAcceptsBothAndAllDigitUSCCs() throws {
        #expect(try IdentityCheck.validate("11010519491231002X", for: .either, today: today)?.kind == .residentID)
        #expect(try IdentityCheck.validate("91350100M000100Y43", for: .either, today: today)?.kind == .uscc)
        #expect(try IdentityCheck.validate("121200004013590816", for: .either, today: today)?.kind == .uscc)
        #expect(throws: QuhaoError(.identityChecksum, ["kind": "resident_id"])) {
            try IdentityCheck.validate("36042619910102009X", for: .either, today: today)
        }
    }

    @Test func theOtherKindIsNamedWhenNotAccepted() {
        #expect(throws: QuhaoError(.identityNotAccepted, ["accepted": "uscc", "kind": "resident_id"])) {
            try IdentityCheck.validate("11010519491231002X", for: .uscc, today: today)
        }
        #expect(throws: QuhaoError(.identityNotAccepted, ["accepted": "resident_id", "kind": "uscc"])) {
            try IdentityCheck.validate("91350100M000100Y43", for: .residentID, today: today)
        }
    }

    @Test func phoneRequirement() throws {
        #expect(throws: QuhaoError(.phoneRequired)) { try IdentityCheck.validatePhone(nil, for: .required) }
        #expect(try IdentityCheck.validatePhone(nil, for: .optional) == nil)
        #expect(try IdentityCheck.validatePhone("138 1234 5678", for: .optional) == "13812345678")
        #expect(throws: QuhaoError(.phoneFormat)) { try IdentityCheck.validatePhone("12345678901", for: .optional) }
    }
}
